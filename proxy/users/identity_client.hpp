#pragma once
// Who a freshly authorized user is at Litmus: GET /v2/users/current on the
// API upstream with the user's new token, once per authorization.

#include "proxy/core/net.hpp"
#include "proxy/upstream/upstream_target.hpp"
#include "proxy/users/litmus_identity.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <string>

namespace litmus::users {

/// Thread-safe (no mutable state).
class identity_client {
public:
    /// `base_path` is the upstream URL's path ("" for https://api.litmus.com),
    /// put before /v2/users/current as the router would.
    identity_client(ssl::context& ctx, upstream::upstream_target target, std::string base_path,
                    std::chrono::milliseconds timeout);

    /// The identity `authorization` ("Bearer ...") belongs to. The error is
    /// safe to log: what failed, never a body or the token.
    net::awaitable<boost::system::result<litmus_identity, std::string>> fetch(std::string authorization) const;

private:
    ssl::context& ctx_;
    upstream::upstream_target target_;
    std::string path_;
    std::chrono::milliseconds timeout_;
};

}  // namespace litmus::users

#pragma once
// One HTTPS request on a connection of its own, read whole and closed: the
// proxy's own calls to Litmus (the token endpoint, a user's identity), which
// are rare, so a fresh connection costs nothing that matters and never
// carries a stale state.

#include "proxy/core/net.hpp"
#include "proxy/upstream/upstream_target.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace litmus::upstream {

/// What went wrong, safe to log: it names the step, never quotes a body.
struct exchange_failure {
    std::string reason;
    bool body_too_large = false;  ///< the response was over `body_limit`
    unsigned status = 0;          ///< the response's status when one was read
};

/// Connects to `target` (verified TLS), sends `req` and reads the response,
/// its body at most `body_limit` bytes, all within `timeout`. Thread-safe
/// (no shared state). Cancellation: the connection is closed and a failure
/// returned.
net::awaitable<boost::system::result<http::response<http::string_body>, exchange_failure>>
one_shot_exchange(ssl::context& ctx, const upstream_target& target, const http::request<http::string_body>& req,
                  std::chrono::milliseconds timeout, std::uint64_t body_limit);

}  // namespace litmus::upstream

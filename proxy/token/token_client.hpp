#pragma once
// One HTTPS call to the token endpoint per fetch. Not pooled: fetches are
// rare (one per refresh), and a fresh connection never carries a stale state.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"
#include "proxy/token/credential_source.hpp"
#include "proxy/token/token_response.hpp"
#include "proxy/upstream/upstream_target.hpp"

namespace litmus::token {

/// Thread-safe to call concurrently (no shared mutable state), though the
/// token source never does.
class token_client {
public:
    /// `creds` is asked for the current credentials at each fetch, so a
    /// rotated secret is used by the next one.
    token_client(ssl::context& ctx, const config::token_config& cfg, const credential_source& creds);

    /// POSTs `grant` as JSON and interprets the answer. Every failure is a
    /// value; the whole exchange is bounded by token.fetch_timeout.
    /// Cancellation: the connection is closed and a failure returned.
    net::awaitable<fetch_result> fetch(token_grant grant) const;

private:
    ssl::context& ctx_;
    const config::token_config& cfg_;
    const credential_source& creds_;
    upstream::upstream_target target_;
};

}  // namespace litmus::token

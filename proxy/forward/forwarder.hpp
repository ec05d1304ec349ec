#pragma once
// One request's journey upstream: token, connection, send, response header,
// the retry decision (401 or stale pooled connection), then the relay.

#include "proxy/core/deadline_stream.hpp"
#include "proxy/core/net.hpp"
#include "proxy/forward/proxy_services.hpp"
#include "proxy/forward/request_body.hpp"
#include "proxy/forward/request_id.hpp"
#include "proxy/routing/router.hpp"

#include <optional>

namespace litmus::forward {

struct forward_result {
    // (In this order, without padding: results travel through coroutine
    // frames, which Asio recycles only while they are small.)
    unsigned status = 0;           ///< what the client received (0: nothing was sent)
    unsigned upstream_status = 0;  ///< the upstream's final status, 0 if none
    std::uint64_t bytes_in = 0;    ///< request body bytes received from the client
    std::uint64_t bytes_out = 0;   ///< response body bytes sent to the client
    std::optional<errc> error;     ///< set when the proxy answered for itself or the relay broke
    /// The request went upstream a second time (after a 401 or on a stale
    /// pooled connection), or a second attempt failed to get a token.
    bool retried = false;
    bool keep_alive = false;       ///< the client connection may carry another request
    std::string user;              ///< the app's user the request acted for (Litmus-User); "" = none
};

/// The token a request is sent with: the proxy's own (client credentials,
/// `user` empty) or that of the app's user `user` (Litmus-User).
struct token_choice {
    token::token_source& source;
    std::string_view user;
};

/// Forwards the request in `body` along `route` with a token from `tokens`
/// and writes the answer to
/// `downstream`. A buffered body is retried once after an upstream 401 (with
/// a fresh token) or a stale reused connection; a streamed one goes out once,
/// on a fresh connection, and a 401 is passed through (the token is still
/// dropped so the next request gets a new one). Every failure is answered
/// (local JSON reply) or, once a response has started, ends with
/// keep_alive = false. `id` replaces any X-Request-Id the client sent
/// upstream, and is set on the response to the client. bytes_in is left to
/// the caller, who owns the body. Not thread-safe: on the session's
/// executor. Cancellation: the pending operation fails and the request ends.
net::awaitable<forward_result> forward(proxy_services& svc, client_stream& downstream, request_body& body,
                                       const routing::route& route, const request_id& id, token_choice tokens);

/// Writes a local reply for `e` (carrying X-Request-Id: `id`, and `user`
/// in the body when not empty) and fills the result's status, error and
/// bytes_out.
net::awaitable<forward_result> reply_with_error(proxy_services& svc, client_stream& downstream, errc e,
                                                unsigned version, bool keep_alive, const request_id& id,
                                                std::string_view user = {});

}  // namespace litmus::forward

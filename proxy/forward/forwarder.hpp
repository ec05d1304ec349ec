#pragma once
// One request's journey upstream: token, connection, send, response header,
// the retry decision (401 or stale pooled connection), then the relay.

#include "proxy/core/net.hpp"
#include "proxy/forward/proxy_services.hpp"
#include "proxy/forward/request_body.hpp"
#include "proxy/routing/router.hpp"

#include <optional>

namespace litmus::forward {

struct forward_result {
    unsigned status = 0;           ///< what the client received (0: nothing was sent)
    unsigned upstream_status = 0;  ///< the upstream's final status, 0 if none
    bool retried = false;
    bool keep_alive = false;       ///< the client connection may carry another request
    std::optional<errc> error;     ///< set when the proxy answered for itself or the relay broke
};

/// Forwards the request in `body` along `route` and writes the answer to
/// `downstream`. A buffered body is retried once after an upstream 401 (with
/// a fresh token) or a stale reused connection; a streamed one goes out once,
/// on a fresh connection, and a 401 is passed through (the token is still
/// dropped so the next request gets a new one). Every failure is answered
/// (local JSON reply) or, once a response has started, ends with
/// keep_alive = false. Not thread-safe: on the session's executor.
/// Cancellation: the pending operation fails and the request ends.
net::awaitable<forward_result> forward(proxy_services& svc, beast::tcp_stream& downstream, request_body& body,
                                       const routing::route& route);

/// Writes a local reply for `e` and fills the result's status and error.
net::awaitable<forward_result> reply_with_error(proxy_services& svc, beast::tcp_stream& downstream, errc e,
                                                unsigned version, bool keep_alive);

}  // namespace litmus::forward

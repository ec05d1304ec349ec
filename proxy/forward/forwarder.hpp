#pragma once
// One request's journey upstream: token, connection, send, response header,
// the retry decision (401 or stale pooled connection), then the relay.

#include "proxy/core/net.hpp"
#include "proxy/forward/proxy_services.hpp"
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

/// Forwards `req` (its body fully read) along `route` and writes the answer
/// to `downstream`. Every failure is answered (local JSON reply) or, once a
/// response has started, ends with keep_alive = false. Not thread-safe: on the
/// session's executor.
net::awaitable<forward_result> forward_request(proxy_services& svc, beast::tcp_stream& downstream,
                                               http::request<http::string_body>& req,
                                               const routing::route& route);

/// Forwards a request whose body is too large to buffer for a replay
/// (over downstream.replay_limit, or chunked): the body is pumped from the
/// client to a fresh upstream connection as it arrives, and a 401 is passed
/// through (the token is still dropped so the next request gets a new one).
/// `parser` has read the header only.
net::awaitable<forward_result> forward_streamed_request(proxy_services& svc, beast::tcp_stream& downstream,
                                                        beast::flat_buffer& downstream_buffer,
                                                        http::request_parser<http::buffer_body>& parser,
                                                        const routing::route& route);

/// Writes a local reply for `e` and fills the result's status and error.
net::awaitable<forward_result> reply_with_error(proxy_services& svc, beast::tcp_stream& downstream, errc e,
                                                unsigned version, bool keep_alive);

}  // namespace litmus::forward

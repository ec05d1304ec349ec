#pragma once
// One client connection: HTTP/1.1 keep-alive, request limits and timeouts,
// routing, forwarding, one access-log line per request.

#include "proxy/core/net.hpp"
#include "proxy/downstream/downstream_metrics.hpp"
#include "proxy/core/session_registry.hpp"
#include "proxy/forward/proxy_services.hpp"

namespace litmus::downstream {

/// Serves `socket` (TCP or Unix-domain) until the client closes, a limit or
/// timeout ends it, or the proxy drains. The coroutine frame owns the stream, parser and
/// buffers; `h` (its registry entry) learns of the stream and of idle times.
/// Each request is counted in `metrics` once answered.
/// Not thread-safe: runs on the proxy's single io_context thread.
/// Cancellation: the pending operation fails and the session ends.
net::awaitable<void> run_session(client_socket socket, forward::proxy_services& svc, downstream_metrics& metrics,
                                 session_registry::handle h);

}  // namespace litmus::downstream

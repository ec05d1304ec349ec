#pragma once
// Accepts client connections and runs a session for each.

#include "proxy/core/net.hpp"
#include "proxy/downstream/downstream_metrics.hpp"
#include "proxy/core/session_registry.hpp"
#include "proxy/downstream/listen_socket.hpp"
#include "proxy/forward/proxy_services.hpp"

namespace litmus::downstream {

/// Not thread-safe: the proxy's single io_context thread.
class listener {
public:
    /// Listens at once (see listen_socket: `activated`, else the configured
    /// Unix-domain path or TCP address), so a taken port or a file in the
    /// way fails the start before anything else runs.
    listener(net::any_io_executor ex, const config::downstream_config& cfg,
             std::optional<activated_socket> activated, forward::proxy_services& svc, downstream_metrics& metrics);

    listen_address address() const { return socket_.address(); }

    /// Starts accepting in the background.
    void start();

    /// Stops accepting (a socket file made at start is removed now),
    /// closes idle connections and lets busy ones finish their request
    /// (answered with Connection: close). Sessions still live
    /// after `timeout` are cancelled and their connections closed. Calls
    /// `done` once the last session coroutine has completed.
    void drain(std::chrono::milliseconds timeout, std::function<void()> done);

private:
    net::awaitable<void> accept_loop();
    void log_session_end(std::exception_ptr e);

    net::any_io_executor ex_;
    listen_socket socket_;
    forward::proxy_services& svc_;
    downstream_metrics& metrics_;
    session_registry registry_;
    net::steady_timer drain_deadline_;
};

}  // namespace litmus::downstream

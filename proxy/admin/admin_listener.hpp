#pragma once
// The admin listener: GET /metrics, /healthz and /readyz on their own port
// (admin.listen), apart from the proxy listener, so that the kubelet and
// Prometheus can reach it on the pod IP while the proxy stays on loopback.
// Nothing else is served there: no forwarding, no routing by Host.

#include "proxy/admin/admin_responses.hpp"
#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"
#include "proxy/core/session_registry.hpp"

#include <functional>

namespace litmus::admin {

/// Limits of the admin listener. Fixed rather than configured: its clients
/// are probes and scrapers sending one small request at a time.
struct admin_limits {
    std::uint32_t header_limit = 8 * 1024;               ///< request header block, bytes; over it: 431 and close
    /// From a request's first byte to the end of its header; also how long a
    /// new connection may stay silent before its first request.
    std::chrono::milliseconds header_timeout{5'000};
    std::chrono::milliseconds idle_timeout{30'000};      ///< keep-alive connection with no request
    std::chrono::milliseconds write_timeout{10'000};     ///< sending one answer
    /// At the cap a new connection closes the oldest idle one; when every
    /// connection is mid-request, the new one is closed at once.
    std::size_t max_connections = 64;
};

/// Not thread-safe: the proxy's single io_context thread.
class admin_listener {
public:
    /// Binds and listens at once, so a taken port fails the start (throws
    /// boost::system::system_error) before anything else runs.
    admin_listener(net::any_io_executor ex, const config::endpoint& at, admin_sources sources,
                   admin_limits limits = {});

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    /// Starts accepting in the background.
    void start();

    /// Stops accepting and closes every connection, whatever it is doing.
    /// Called once the proxy's own drain is done: until then /readyz keeps
    /// answering "draining". Calls `done` once the last connection's
    /// coroutine has completed.
    void close(std::function<void()> done);

private:
    net::awaitable<void> accept_loop();
    void log_failure(std::string_view where, std::exception_ptr e) const;

    net::any_io_executor ex_;
    tcp::acceptor acceptor_;
    admin_sources sources_;
    admin_limits limits_;
    session_registry registry_;
    bool closing_ = false;
};

}  // namespace litmus::admin

#pragma once
// The socket half of the fake Litmus: an HTTP/1.1 keep-alive server over TLS
// on its own io_context and thread. It reads whole requests, hands each to a
// handler that decides the reply, and carries the reply out (answer, hang up,
// reset or stall). It knows nothing about Litmus itself.

#include "proxy/core/net.hpp"
#include "tests/support/fake_litmus_state.hpp"
#include "tests/support/fake_types.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>

namespace litmus::fake {

/// Request size limits (Beast's defaults of 8 KiB / 1 MiB are too small for
/// tests that push large bodies through the proxy).
struct server_limits {
    std::size_t header_limit = 64 * 1024;  ///< bytes of request line + headers
    std::uint64_t body_limit = 64u << 20;  ///< bytes of decoded body
};

/// Thread-safety: the public members may be called from any thread except
/// the server's own (drop_connections() then runs inline). The handler and
/// observer are called on the server thread, one request at a time.
class fake_https_server {
public:
    using handler = std::function<fake_reply(const recorded_request&)>;
    using observer = std::function<void(const served_request&)>;

    /// Binds `listen_host:port` (port 0: ephemeral) and starts the thread; the
    /// kernel queues connections from the moment this returns. Throws
    /// std::system_error when the address cannot be bound and
    /// std::runtime_error for a bad certificate or key.
    fake_https_server(const std::string& listen_host, std::uint16_t port, const std::string& cert_pem,
                      const std::string& key_pem, handler h, observer o = {}, server_limits l = {});

    /// Closes the listener and every connection (stalled ones included), then
    /// joins the thread. Never blocks on a peer.
    ~fake_https_server();

    fake_https_server(const fake_https_server&) = delete;
    fake_https_server& operator=(const fake_https_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    /// Closes every open connection now (idle keep-alive, stalled, mid-read)
    /// without a TLS close_notify, as a restarting server would. The listener
    /// stays open. Returns once the sockets are closed.
    void drop_connections();

    /// Sends the answers of every request currently held (fake_reply::action::hold).
    /// Requests that arrive later are held until the next call. Returns once
    /// the release is in effect; the answers are written asynchronously.
    void release_held();

    /// TCP connections accepted so far.
    std::uint64_t connections_accepted() const noexcept { return accepted_.load(); }
    /// TCP connections currently open.
    std::size_t open_connections() const noexcept { return open_.load(); }

private:
    class session;

    net::awaitable<void> accept_loop();
    void abort_sessions();

    net::io_context ioc_{1};
    ssl::context tls_{ssl::context::tls_server};
    tcp::acceptor acceptor_{ioc_};
    std::uint16_t port_ = 0;
    handler handler_;
    observer observer_;
    server_limits limits_;

    // Touched on the server thread only.
    std::set<std::shared_ptr<session>> sessions_;
    bool stopping_ = false;

    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::size_t> open_{0};
    std::thread thread_;
};

}  // namespace litmus::fake

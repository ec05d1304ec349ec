#pragma once
// The proxy listener's socket, from one of three sources: a socket systemd
// passed in (socket activation), a Unix-domain socket file made from
// `listen: unix:PATH`, or a TCP address bound from `listen: HOST:PORT`.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"
#include "proxy/downstream/socket_activation.hpp"
#include "proxy/downstream/unix_socket_file.hpp"

#include <optional>
#include <string>

namespace litmus::downstream {

/// Where the proxy listener listens, for the "listening" log line and tests.
struct listen_address {
    std::optional<tcp::endpoint> tcp_address;  ///< set for a TCP listener
    std::string unix_path;                     ///< set for a Unix-domain one ("@name": abstract)
    bool activated = false;                    ///< passed in by systemd
};

/// Not thread-safe: start-up and the proxy's io_context thread.
class listen_socket {
public:
    /// Listens on `activated` when given (the configured address is then
    /// unused: systemd's unit decides), else on cfg.unix_path when set, else
    /// on cfg.listen. Throws boost::system::system_error or
    /// std::runtime_error naming the cause, so a start fails before anything
    /// else runs.
    listen_socket(net::any_io_executor ex, const config::downstream_config& cfg,
                  std::optional<activated_socket> activated);

    stream_acceptor& acceptor() noexcept { return acceptor_; }

    /// Empty once closed.
    listen_address address() const;

    /// Stops accepting and removes the socket file created here, at once:
    /// from then on the path belongs to whoever starts next. A socket
    /// systemd passed in keeps its file (systemd owns it).
    void close() noexcept;

private:
    stream_acceptor acceptor_;
    std::optional<unix_socket_file> file_;
    bool activated_ = false;
};

}  // namespace litmus::downstream

#include "proxy/downstream/socket_activation.hpp"

#include "proxy/core/sd_daemon.hpp"

#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/socket.h>

namespace litmus::downstream {

std::optional<activated_socket> take_activated_socket()
{
    const int n = sd::take_listen_fds();
    if (n < 0)
        throw std::runtime_error("socket activation: cannot read LISTEN_FDS/LISTEN_PID: " +
                                 std::string(std::strerror(-n)));
    if (n == 0)
        return std::nullopt;
    if (n > 1)
        throw std::runtime_error("socket activation: systemd passed " + std::to_string(n) +
                                 " sockets; litmus-proxy takes one, the proxy listener "
                                 "(give its .socket unit a single ListenStream=)");
    const int fd = sd::listen_fds_start;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int family = ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0 ? addr.ss_family : AF_UNSPEC;
    const bool usable = (family == AF_UNIX || family == AF_INET || family == AF_INET6) &&
                        sd::is_listening_stream(fd, family);
    if (!usable)
        throw std::runtime_error("socket activation: the socket passed in (fd 3) is not a listening TCP or "
                                 "Unix-domain stream socket (the .socket unit needs ListenStream= and Accept=no)");
    return activated_socket{fd, family};
}

}  // namespace litmus::downstream

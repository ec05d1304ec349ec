#include "proxy/downstream/listen_socket.hpp"

#include "proxy/core/acceptor.hpp"

#include <cstddef>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace litmus::downstream {

namespace {

// The path of a Unix-domain socket address; an abstract one ("\0name") as "@name".
std::string path_of(const net::generic::stream_protocol::endpoint& ep)
{
    const auto* un = reinterpret_cast<const sockaddr_un*>(ep.data());
    const std::size_t offset = offsetof(sockaddr_un, sun_path);
    const std::size_t len = ep.size() > offset ? ep.size() - offset : 0;
    if (len > 0 && un->sun_path[0] == '\0')
        return "@" + std::string(un->sun_path + 1, len - 1);
    return std::string(un->sun_path, ::strnlen(un->sun_path, len));
}

}  // namespace

listen_socket::listen_socket(net::any_io_executor ex, const config::downstream_config& cfg,
                             std::optional<activated_socket> activated)
    : acceptor_(ex)
{
    if (activated) {
        const int protocol = activated->family == AF_UNIX ? 0 : IPPROTO_TCP;
        acceptor_.assign(net::generic::stream_protocol(activated->family, protocol), activated->fd);
        activated_ = true;
    } else if (!cfg.unix_path.empty()) {
        file_.emplace(acceptor_, cfg.unix_path, cfg.listen_mode);
    } else {
        acceptor_ = open_acceptor(ex, cfg.listen.host, cfg.listen.port);
    }
}

listen_address listen_socket::address() const
{
    listen_address a;
    a.activated = activated_;
    error_code ec;
    const auto ep = acceptor_.local_endpoint(ec);
    if (ec)
        return a;
    const int family = ep.protocol().family();
    if (family == AF_INET || family == AF_INET6) {
        tcp::endpoint t;
        std::memcpy(t.data(), ep.data(), ep.size());
        t.resize(ep.size());
        a.tcp_address = t;
    } else if (family == AF_UNIX) {
        a.unix_path = path_of(ep);
    }
    return a;
}

void listen_socket::close() noexcept
{
    error_code ignored;
    acceptor_.close(ignored);
    if (file_)
        file_->remove();
}

}  // namespace litmus::downstream

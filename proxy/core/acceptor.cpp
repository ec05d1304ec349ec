#include "proxy/core/acceptor.hpp"

#include "proxy/core/log.hpp"

namespace litmus {

tcp::acceptor open_acceptor(net::any_io_executor ex, std::string_view host, std::uint16_t port)
{
    if (host == "localhost")
        host = "127.0.0.1";
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    tcp::endpoint ep{net::ip::make_address(host), port};
    tcp::acceptor acceptor(ex);
    acceptor.open(ep.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(net::socket_base::max_listen_connections);
    return acceptor;
}

namespace {

bool is_tcp(const tcp::socket&) { return true; }

bool is_tcp(const client_socket& socket)
{
    error_code ec;
    auto family = socket.local_endpoint(ec).protocol().family();
    return !ec && (family == AF_INET || family == AF_INET6);
}

template <class Protocol>
net::awaitable<std::optional<typename Protocol::socket>> accept_from(net::basic_socket_acceptor<Protocol>& acceptor,
                                                                     std::string_view failure_event)
{
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
        if (ec == net::error::operation_aborted || !acceptor.is_open())
            co_return std::nullopt;
        if (!ec) {
            if (is_tcp(socket))
                socket.set_option(tcp::no_delay(true), ec);
            co_return std::move(socket);
        }
        log::warn(failure_event, {{"error", ec.message()}});
        net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(net::as_tuple(net::use_awaitable));
    }
}

}  // namespace

net::awaitable<std::optional<tcp::socket>> accept_next(tcp::acceptor& acceptor, std::string_view failure_event)
{
    return accept_from(acceptor, failure_event);
}

net::awaitable<std::optional<client_socket>> accept_next(stream_acceptor& acceptor, std::string_view failure_event)
{
    return accept_from(acceptor, failure_event);
}

}  // namespace litmus

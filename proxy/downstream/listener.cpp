#include "proxy/downstream/listener.hpp"

#include "proxy/core/log.hpp"
#include "proxy/downstream/session.hpp"

namespace litmus::downstream {

namespace {

// Completion handler of every spawned coroutine: a stray exception is a bug,
// logged rather than lost (never `detached`).
auto log_exception(std::string_view what)
{
    return [what](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log::error("coroutine_exception", {{"where", what}, {"what", ex.what()}});
        }
    };
}

tcp::endpoint resolve_listen(const config::endpoint& at)
{
    auto host = at.host == "localhost" ? std::string("127.0.0.1") : at.host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return {net::ip::make_address(host), at.port};
}

}  // namespace

listener::listener(net::any_io_executor ex, const config::endpoint& at, forward::proxy_services& svc)
    : ex_(ex), acceptor_(ex), svc_(svc)
{
    auto ep = resolve_listen(at);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::start()
{
    net::co_spawn(ex_, accept_loop(), log_exception("accept_loop"));
}

net::awaitable<void> listener::accept_loop()
{
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
        if (ec == net::error::operation_aborted || !acceptor_.is_open())
            co_return;
        if (ec) {
            // EMFILE and friends: keep serving the connections we have; a
            // short pause keeps a full fd table from spinning this loop.
            log::warn("accept_failed", {{"error", ec.message()}});
            net::steady_timer pause(ex_, std::chrono::milliseconds(50));
            co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(ex_, run_session(std::move(socket), svc_, registry_), log_exception("session"));
    }
}

void listener::drain(std::function<void()> done)
{
    error_code ignored;
    acceptor_.close(ignored);
    svc_.draining = true;
    registry_.close_idle();
    registry_.when_empty(std::move(done));
}

}  // namespace litmus::downstream

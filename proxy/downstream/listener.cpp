#include "proxy/downstream/listener.hpp"

#include "proxy/core/acceptor.hpp"
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

}  // namespace

listener::listener(net::any_io_executor ex, const config::downstream_config& cfg,
                   std::optional<activated_socket> activated, forward::proxy_services& svc,
                   downstream_metrics& metrics)
    : ex_(ex), socket_(ex, cfg, activated), svc_(svc), metrics_(metrics), drain_deadline_(ex)
{
}

void listener::start()
{
    net::co_spawn(ex_, accept_loop(), log_exception("accept_loop"));
}

net::awaitable<void> listener::accept_loop()
{
    while (auto socket = co_await accept_next(socket_.acceptor(), "accept_failed")) {
        auto h = registry_.add();
        metrics_.connections.Increment();
        net::co_spawn(ex_, run_session(std::move(*socket), svc_, metrics_, h),
                      net::bind_cancellation_slot(h->cancel.slot(), [this, h](std::exception_ptr e) {
                          log_session_end(e);
                          registry_.ended(h);
                      }));
    }
}

void listener::log_session_end(std::exception_ptr e)
{
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& ex) {
        // Asio throws operation_aborted from the next co_await of a
        // coroutine whose cancellation slot fired: the drain deadline cut it.
        if (ex.code() == net::error::operation_aborted && svc_.draining) {
            log::debug("session_cut", {{"reason", "drain_timeout"}});
            return;
        }
        log::error("coroutine_exception", {{"where", "session"}, {"what", ex.what()}});
    } catch (const std::exception& ex) {
        log::error("coroutine_exception", {{"where", "session"}, {"what", ex.what()}});
    }
}

void listener::drain(std::chrono::milliseconds timeout, std::function<void()> done)
{
    socket_.close();
    svc_.draining = true;
    registry_.close_idle();
    log::info("draining", {{"sessions", registry_.live()}, {"drain_timeout_ms", timeout.count()}});
    drain_deadline_.expires_after(timeout);
    drain_deadline_.async_wait([this](const error_code& ec) {
        if (ec || registry_.live() == 0)
            return;
        log::warn("drain_timeout", {{"sessions_cut", registry_.live()}});
        registry_.cut_all();
    });
    registry_.when_empty([this, done = std::move(done)] {
        drain_deadline_.cancel();
        done();
    });
}

}  // namespace litmus::downstream

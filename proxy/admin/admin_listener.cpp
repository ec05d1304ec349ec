#include "proxy/admin/admin_listener.hpp"

#include "proxy/core/acceptor.hpp"
#include "proxy/core/await_request.hpp"
#include "proxy/core/log.hpp"

namespace litmus::admin {

namespace {

// One admin connection: read a header, answer, repeat while the client keeps
// the connection alive. The frame owns the stream and buffer.
net::awaitable<void> run_admin_session(tcp::socket socket, const admin_sources& sources, const admin_limits& limits,
                                       session_registry::handle h)
{
    beast::tcp_stream stream(std::move(socket));
    session_scope scope(h, stream);
    // The whole header must fit: Beast parses a header only once all of it
    // is in the buffer, so this bounds what a client can make us hold.
    beast::flat_buffer buffer(limits.header_limit);

    // A connection's first request gets only the header timeout to begin:
    // silent connections must not hold the listener's slots, or anyone who
    // can reach the port could starve the kubelet's probes.
    bool first = true;
    for (;;) {
        scope.idle(true);
        auto wait = std::exchange(first, false) ? limits.header_timeout : limits.idle_timeout;
        if (!co_await await_request(stream, buffer, wait, 1024))
            break;
        scope.idle(false);

        http::request_parser<http::empty_body> parser;  // fresh per request
        parser.header_limit(limits.header_limit);
        stream.expires_after(limits.header_timeout);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        (void)n;

        http::response<http::string_body> res;
        bool keep_alive = false;
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
            res = admin_error(http::status::request_header_fields_too_large, "header_too_large",
                              "request header over the admin listener's limit");
        } else if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::connection_reset ||
                   ec == net::error::operation_aborted) {
            break;
        } else if (ec) {
            res = admin_error(http::status::bad_request, "bad_request", "malformed HTTP request");
        } else {
            res = admin_response(parser.get(), sources);
            // A request body is never read: close after answering rather than
            // take its bytes for the next request.
            keep_alive = parser.is_done() && parser.get().keep_alive();
        }
        res.keep_alive(keep_alive);
        stream.expires_after(limits.write_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, net::as_tuple(net::use_awaitable));
        (void)wn;
        if (wec || !keep_alive)
            break;
    }

    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

}  // namespace

admin_listener::admin_listener(net::any_io_executor ex, const config::endpoint& at, admin_sources sources,
                               admin_limits limits)
    : ex_(ex), acceptor_(open_acceptor(ex, at.host, at.port)), sources_(std::move(sources)), limits_(limits)
{
}

void admin_listener::start()
{
    net::co_spawn(ex_, accept_loop(), [this](std::exception_ptr e) { log_failure("admin_accept_loop", e); });
}

net::awaitable<void> admin_listener::accept_loop()
{
    while (auto socket = co_await accept_next(acceptor_, "admin_accept_failed")) {
        // At the cap, an idle connection (waiting for a request) makes room:
        // a probe must not be refused because others sit on connections.
        if (registry_.live() >= limits_.max_connections && !registry_.close_oldest_idle()) {
            // Every connection is mid-request (bounded by the header and
            // write timeouts). Closed at once rather than left in the
            // backlog: a refused probe fails fast and retries.
            log::debug("admin_connection_refused", {{"reason", "max_connections"}});
            error_code ignored;
            socket->close(ignored);
            continue;
        }
        auto h = registry_.add();
        net::co_spawn(ex_, run_admin_session(std::move(*socket), sources_, limits_, h),
                      net::bind_cancellation_slot(h->cancel.slot(), [this, h](std::exception_ptr e) {
                          log_failure("admin_session", e);
                          registry_.ended(h);
                      }));
    }
}

void admin_listener::log_failure(std::string_view where, std::exception_ptr e) const
{
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& ex) {
        // close() cut the connection: Asio throws operation_aborted from the
        // next co_await of a coroutine whose cancellation slot fired.
        if (closing_ && ex.code() == net::error::operation_aborted)
            return;
        log::error("coroutine_exception", {{"where", where}, {"what", ex.what()}});
    } catch (const std::exception& ex) {
        log::error("coroutine_exception", {{"where", where}, {"what", ex.what()}});
    }
}

void admin_listener::close(std::function<void()> done)
{
    closing_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    registry_.cut_all();
    registry_.when_empty(std::move(done));
}

}  // namespace litmus::admin

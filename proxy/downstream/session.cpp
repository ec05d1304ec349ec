#include "proxy/downstream/session.hpp"

#include "proxy/core/log.hpp"
#include "proxy/downstream/session_registry.hpp"
#include "proxy/forward/forwarder.hpp"
#include "proxy/routing/header_rules.hpp"

namespace litmus::downstream {

namespace {

using clock = std::chrono::steady_clock;

// Maps a request read failure to the reply it deserves; nullopt = close
// silently (the client left or went quiet: nobody is listening).
std::optional<errc> read_error_reply(const error_code& ec)
{
    if (ec == http::error::header_limit)
        return errc::header_too_large;
    if (ec == http::error::body_limit)
        return errc::body_too_large;
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::bad_target).category())
        return std::nullopt;
    // Anything else the HTTP parser refused is malformed input.
    return errc::bad_request;
}

// Clients such as curl hold a large body back until told to send it.
// Returns false when the connection failed.
template <class Body>
net::awaitable<bool> send_continue_if_expected(beast::tcp_stream& stream, const http::request<Body>& req,
                                               std::chrono::milliseconds timeout)
{
    if (!beast::iequals(req[http::field::expect], "100-continue"))
        co_return true;
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    stream.expires_after(timeout);
    auto [ec, n] = co_await net::async_write(stream, net::buffer(continue_line.data(), continue_line.size()),
                                             net::as_tuple(net::use_awaitable));
    (void)n;
    co_return !ec;
}

void log_access(std::uint64_t id, const http::request_header<>& req, std::string_view route,
                const forward::forward_result& r, clock::duration took)
{
    std::string_view target = req.target();
    boost::json::object f{{"id", id},
                          {"method", req.method_string()},
                          {"path", target.substr(0, target.find('?'))},
                          {"route", route},
                          {"status", r.status},
                          {"upstream_status", r.upstream_status},
                          {"retried", r.retried},
                          {"duration_ms", std::chrono::duration<double, std::milli>(took).count()}};
    if (r.error)
        f["error"] = name_of(*r.error);
    log::info("access", f);
}

// RAII registration so every exit path unregisters the session.
struct registration {
    session_registry& registry;
    session_registry::handle handle;
    ~registration() { registry.remove(handle); }
};

}  // namespace

net::awaitable<void> run_session(tcp::socket socket, forward::proxy_services& svc, session_registry& registry)
{
    const auto& dcfg = svc.cfg.downstream;
    beast::tcp_stream stream(std::move(socket));
    registration reg{registry, registry.add(stream)};
    beast::flat_buffer buffer;

    for (;;) {
        // Idle keep-alive: wait for the next request's first byte with the
        // idle timeout; only then does the (shorter) header timeout start, so
        // a slow-header client cannot hold the connection open.
        reg.handle->idle = true;
        if (svc.draining)
            break;
        if (buffer.size() == 0) {
            stream.expires_after(dcfg.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), net::as_tuple(net::use_awaitable));
            if (ec)
                break;
            buffer.commit(n);
        }
        reg.handle->idle = false;
        auto started = clock::now();

        // A fresh parser per request, with our limits (Beast's defaults are 8 KiB / 1 MiB).
        http::request_parser<http::string_body> parser;
        parser.header_limit(dcfg.header_limit);
        parser.body_limit(dcfg.body_limit);
        stream.expires_after(dcfg.header_timeout);
        auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        (void)hn;
        std::optional<errc> refuse;
        if (hec)
            refuse = read_error_reply(hec);
        else if (routing::check_request_framing(parser.get()))
            refuse = errc::bad_request;
        if (hec && !refuse)
            break;

        auto id = ++svc.requests_started;
        forward::forward_result result;
        std::string_view route_name = "none";
        if (refuse) {
            // The request's framing is unknown or broken: answer and close,
            // since the next bytes cannot be trusted to start a request.
            result = co_await forward::reply_with_error(svc, stream, *refuse, 11, false);
            svc.metrics.request(svc.pools.size(), result.status).Increment();
            log_access(id, parser.get(), route_name, result, clock::now() - started);
            break;
        }

        const http::request_header<>* header = &parser.get();
        std::optional<http::request_parser<http::buffer_body>> streaming;
        auto route = svc.router.match(parser.get().target(), parser.get()[http::field::host]);
        auto length = parser.content_length();
        // Bodies that fit the replay limit are read whole so a 401 can be
        // retried; larger or chunked ones stream through (see forwarder.hpp).
        bool streamed = !parser.is_done() && (parser.chunked() || (length && *length > dcfg.replay_limit));
        bool body_unread = !parser.is_done();
        if (route && body_unread) {
            if (length && *length > dcfg.body_limit) {
                refuse = errc::body_too_large;
            } else if (!co_await send_continue_if_expected(stream, parser.get(), dcfg.io_timeout)) {
                break;
            }
        }
        if (route && body_unread && !refuse && !streamed) {
            stream.expires_after(dcfg.io_timeout);
            auto [bec, bn] = co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
            (void)bn;
            if (bec) {
                refuse = read_error_reply(bec);
                if (!refuse)
                    break;
            }
        }

        if (refuse) {
            result = co_await forward::reply_with_error(svc, stream, *refuse, parser.get().version(), false);
        } else if (!route) {
            // An unread body would be taken for the next request: close after answering.
            result = co_await forward::reply_with_error(svc, stream, static_cast<errc>(route.error().value()),
                                                        parser.get().version(),
                                                        !body_unread && parser.get().keep_alive() && !svc.draining);
        } else if (streamed) {
            route_name = svc.pools[route->upstream]->target().name;
            // Same parser state, buffer body: allowed because no body byte was read yet.
            streaming.emplace(std::move(parser));
            streaming->body_limit(dcfg.body_limit);
            header = &streaming->get();
            result = co_await forward::forward_streamed_request(svc, stream, buffer, *streaming, *route);
        } else {
            route_name = svc.pools[route->upstream]->target().name;
            result = co_await forward::forward_request(svc, stream, parser.get(), *route);
        }
        auto took = clock::now() - started;
        svc.metrics.request(route ? route->upstream : svc.pools.size(), result.status).Increment();
        svc.metrics.request_duration_seconds.Observe(std::chrono::duration<double>(took).count());
        log_access(id, *header, route_name, result, took);
        if (!result.keep_alive)
            break;
    }

    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

}  // namespace litmus::downstream

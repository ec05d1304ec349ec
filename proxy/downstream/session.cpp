#include "proxy/downstream/session.hpp"

#include "proxy/core/ascii.hpp"
#include "proxy/core/await_request.hpp"
#include "proxy/core/gauge_hold.hpp"
#include "proxy/core/log.hpp"
#include "proxy/downstream/expect_continue.hpp"
#include "proxy/downstream/litmus_requests.hpp"
#include "proxy/downstream/read_body.hpp"
#include "proxy/forward/forwarder.hpp"
#include "proxy/forward/local_reply.hpp"
#include "proxy/routing/request_decision.hpp"
#include "proxy/users/litmus_route.hpp"

#include <array>

namespace litmus::downstream {

namespace {

using clock = std::chrono::steady_clock;

// What the access line says about the request, as the client sent it (the
// forwarder rewrites the header in place).
// Both are cut short: a refused request may carry a method or path of many
// kilobytes, which would only bloat the log line.
// Held in fixed arrays in the session's frame: copying into std::strings
// cost an allocation per request for any path past the short-string size.
struct request_summary {
    static constexpr std::size_t max_method = 40;
    static constexpr std::size_t max_path = 1024;
    std::array<char, max_method> method_chars;
    std::array<char, max_path> path_chars;  ///< without the query, which may carry secrets of the caller's own
    std::size_t method_size;
    std::size_t path_size;

    explicit request_summary(const http::request_header<>& req)
    {
        auto m = req.method_string().substr(0, max_method);
        auto t = req.target();
        auto p = t.substr(0, std::min(t.find('?'), max_path));
        method_size = m.copy(method_chars.data(), m.size());
        path_size = p.copy(path_chars.data(), p.size());
    }
    std::string_view method() const noexcept { return {method_chars.data(), method_size}; }
    std::string_view path() const noexcept { return {path_chars.data(), path_size}; }
};

void log_access(const forward::request_id& id, const request_summary& req, std::string_view route,
                const forward::forward_result& r, clock::duration took)
{
    // Buffered: one write(2) per batch of lines, not per request.
    log::buffered_line line(log::level::info, "access");
    line.add("id", id.view())
        .add("method", req.method())
        .add("route", route)
        .add("path", req.path())
        .add("status", r.status)
        .add("upstream_status", r.upstream_status)
        .add("retried", r.retried)
        .add("duration_ms", std::chrono::duration<double, std::milli>(took).count())
        .add("bytes_in", r.bytes_in)
        .add("bytes_out", r.bytes_out);
    if (!r.user.empty())
        line.add("user", r.user);
    if (r.error)
        line.add("error", name_of(*r.error));
    line.commit();
}

// True when the header bytes in `data` (up to the blank line that ends the
// header, or all of it when that has not arrived) hold an obs-fold: a line
// that starts with SP or HTAB continuing the previous field (RFC 9112 §5.2).
// Parsers disagree on it (Beast joins the lines, others split them), so a
// request carrying one is refused rather than reinterpreted.
bool has_obs_fold(std::string_view data) noexcept
{
    auto end = data.find("\r\n\r\n");
    auto header = data.substr(0, end == std::string_view::npos ? data.size() : end + 2);
    for (auto pos = header.find("\r\n"); pos != std::string_view::npos; pos = header.find("\r\n", pos + 2))
        if (pos + 2 < header.size() && (header[pos + 2] == ' ' || header[pos + 2] == '\t'))
            return true;
    return false;
}

// Reads a request header into `parser`. The loop is ours rather than
// http::async_read_header's for two checks Beast 1.81 does not make:
//  - the whole header block is held to downstream.header_limit: Beast
//    applies the limit to each parse window only, and fields it has already
//    consumed no longer count, so a header arriving over many reads could
//    grow without bound;
//  - obs-fold is refused (see has_obs_fold).
// Errors: the read's, end_of_stream / partial_message when the client
// closes, header_limit, bad_value (obs-fold), or the parser's.
net::awaitable<error_code> read_header(client_stream& stream, beast::flat_buffer& buffer,
                                       http::request_parser<http::string_body>& parser, std::uint32_t header_limit,
                                       std::chrono::milliseconds timeout)
{
    // One deadline for the whole header, however many reads it takes.
    stream.expires_after(timeout);
    std::size_t consumed = 0;
    for (;;) {
        if (buffer.size() > 0) {
            auto data = buffer.data();
            if (has_obs_fold({static_cast<const char*>(data.data()), data.size()}))
                co_return http::error::bad_value;
            error_code ec;
            auto n = parser.put(data, ec);
            buffer.consume(n);
            consumed += n;
            if (consumed > header_limit)
                co_return http::error::header_limit;
            if (parser.is_header_done())
                co_return error_code{};
            if (ec && ec != http::error::need_more)
                co_return ec;
        }
        if (buffer.size() >= buffer.max_size())
            co_return http::error::header_limit;
        auto want = std::min<std::size_t>(4096, buffer.max_size() - buffer.size());
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(want), net::as_tuple(net::use_awaitable));
        if (ec == net::error::eof)
            co_return parser.got_some() || buffer.size() > 0 ? http::error::partial_message
                                                             : http::error::end_of_stream;
        if (ec)
            co_return ec;
        buffer.commit(n);
    }
}

// The decision about a request whose header has been read: the pure checks
// of routing::decide_request, then the body limit that only the proxy's own
// configuration knows.
boost::system::result<routing::route, errc> decide(const forward::proxy_services& svc,
                                                   const http::request_parser<http::string_body>& parser)
{
    auto route = routing::decide_request(parser.get(), svc.router, svc.request_policy);
    if (!route)
        return route;
    auto length = parser.content_length();
    if (length && *length > svc.cfg.downstream.body_limit)
        return errc::body_too_large;
    return route;
}

// A request whose body is streamed through. A coroutine of its own: its
// parser in forward_request's frame made that frame, allocated for every
// request, too large for Asio to recycle.
net::awaitable<forward::forward_result> forward_streamed_request(forward::proxy_services& svc, client_stream& stream,
                                                                 beast::flat_buffer& buffer,
                                                                 http::request_parser<http::string_body>& parser,
                                                                 const routing::route& route,
                                                                 const forward::request_id& id,
                                                                 forward::token_choice tokens)
{
    const auto& dcfg = svc.cfg.downstream;
    if (!co_await send_continue_if_expected(stream, parser.get(), dcfg.io_timeout))
        co_return forward::forward_result{};
    // Same parser state, buffer body: allowed because no body byte was read yet.
    http::request_parser<http::buffer_body> streaming(std::move(parser));
    streaming.body_limit(dcfg.body_limit);
    forward::request_body body(streaming, stream, buffer, dcfg.io_timeout);
    auto r = co_await forward::forward(svc, stream, body, route, id, tokens);
    r.bytes_in = body.bytes_received();
    co_return r;
}

// The request, once decided: its body read whole (replayable after a 401) or
// streamed through when it is chunked or above downstream.replay_limit.
net::awaitable<forward::forward_result> forward_request(forward::proxy_services& svc, client_stream& stream,
                                                        beast::flat_buffer& buffer,
                                                        http::request_parser<http::string_body>& parser,
                                                        const routing::route& route, const forward::request_id& id,
                                                        forward::token_choice tokens)
{
    const auto& dcfg = svc.cfg.downstream;
    auto length = parser.content_length();
    bool streamed = !parser.is_done() && (parser.chunked() || (length && *length > dcfg.replay_limit));
    if (!streamed) {
        // A chunked request is always streamed (the pump drops its trailer
        // fields), so the body read whole here has a Content-Length and no
        // trailer section (RFC 9112 §7.1.2): no header_snapshot is needed.
        if (auto failed = co_await read_rest_of_body(svc, stream, buffer, parser, id)) {
            failed->bytes_in = parser.get().body().size();
            co_return *failed;
        }
        forward::request_body body(parser.get());
        auto r = co_await forward::forward(svc, stream, body, route, id, tokens);
        r.bytes_in = body.bytes_received();
        co_return r;
    }

    co_return co_await forward_streamed_request(svc, stream, buffer, parser, route, id, tokens);
}

// A request naming one of the app's users: sent with that user's token, or
// refused with the reason.
net::awaitable<forward::forward_result> forward_as_user(forward::proxy_services& svc, client_stream& stream,
                                                        beast::flat_buffer& buffer,
                                                        http::request_parser<http::string_body>& parser,
                                                        const routing::route& route, const forward::request_id& id,
                                                        boost::system::result<std::string, identity_refusal> user)
{
    // Not a conditional expression around the co_await: GCC 12 miscompiles
    // some. A user already in memory costs no store round trip and no
    // coroutine of its own.
    boost::system::result<user_source_ptr, identity_refusal> source;
    if (!user)
        source = user.error();
    else if (auto held = loaded_user_source(svc, *user))
        source = std::move(held);
    else
        source = co_await user_source(svc, std::move(*user));
    if (source) {
        auto tokens = tokens_of(*source);
        auto r = co_await forward_request(svc, stream, buffer, parser, route, id, tokens);
        r.user = tokens.user;
        co_return r;
    }
    // Nothing was read of the body: keep the connection only without one.
    const auto& refusal = source.error();
    bool keep_alive = parser.is_done() && parser.get().keep_alive() && !svc.draining;
    auto named = refusal.error == errc::reauthorization_required ? std::string_view(refusal.user) : std::string_view{};
    auto r = co_await forward::reply_with_error(svc, stream, refusal.error, std::min(parser.get().version(), 11u),
                                                keep_alive, id, named);
    r.user = refusal.user;
    co_return r;
}

}  // namespace

net::awaitable<void> run_session(client_socket socket, forward::proxy_services& svc, downstream_metrics& metrics,
                                 session_registry::handle h)
{
    const auto& dcfg = svc.cfg.downstream;
    // Counted open until the frame ends, however the session ends.
    gauge_hold open(metrics.connections_open);
    client_stream stream(std::move(socket));
    session_scope scope(h, stream);
    // Bounded, so that no single line the parser must see whole (a chunk
    // header with endless extensions) can make it grow without limit; a
    // header block is refused at header_limit before this fills.
    beast::flat_buffer buffer(dcfg.header_limit + 1024);

    for (;;) {
        scope.idle(true);
        if (svc.draining || !co_await await_request(stream, buffer, dcfg.idle_timeout, 4096))
            break;
        scope.idle(false);
        gauge_hold in_flight(metrics.requests_in_flight);
        auto started = clock::now();

        // Read: a fresh parser per request, with our limits (Beast's defaults
        // are 8 KiB / 1 MiB).
        http::request_parser<http::string_body> parser;
        parser.header_limit(dcfg.header_limit);
        parser.body_limit(dcfg.body_limit);
        auto hec = co_await read_header(stream, buffer, parser, dcfg.header_limit, dcfg.header_timeout);
        // A header that failed to parse may hold anything: its id is not taken.
        const auto id = hec ? svc.request_ids.generate() : svc.request_ids.for_request(parser.get());

        // Decide, then forward or reply.
        forward::forward_result result;
        std::string_view route_name = "none";
        std::optional<routing::route> route;
        bool litmus_endpoint = false;
        if (hec) {
            auto refuse = forward::reply_for_read_error(hec);
            if (!refuse)
                break;
            // The request's framing is unknown or broken: answer and close,
            // since the next bytes cannot be trusted to start a request.
            result = co_await forward::reply_with_error(svc, stream, *refuse, 11, false, id);
        } else if (users::is_litmus_target(parser.get().target())) {
            // The proxy's own endpoints: answered here, never forwarded.
            litmus_endpoint = true;
            route_name = "_litmus";
        } else if (auto decided = decide(svc, parser); !decided) {
            // An unread body would be taken for the next request: close after
            // answering. Framing errors close too: the next bytes cannot be
            // trusted to start a request.
            bool keep_alive = parser.is_done() && parser.get().keep_alive() && !svc.draining &&
                              decided.error() != errc::bad_request;
            result = co_await forward::reply_with_error(svc, stream, decided.error(),
                                                        std::min(parser.get().version(), 11u), keep_alive, id);
        } else {
            route = std::move(*decided);
            route_name = svc.pools[route->upstream]->target().name;
        }

        // Copied before forwarding, which rewrites the target in place; not
        // at all when no access line will be written.
        std::optional<request_summary> summary;
        if (svc.cfg.log.access && log::enabled(log::level::info))
            summary.emplace(parser.get());
        // Read now: a streamed request moves the parser's message away.
        const auto method = parser.get().method();
        if (litmus_endpoint)
            result = co_await serve_litmus_endpoint(svc, stream, buffer, parser, id);
        else if (route) {
            // The proxy's own token unless the request names a user: the
            // common case goes straight on.
            auto user = requested_user(svc, parser.get());
            if (user && user->empty())
                result = co_await forward_request(svc, stream, buffer, parser, *route, id, {svc.tokens, {}});
            else
                result = co_await forward_as_user(svc, stream, buffer, parser, *route, id, std::move(user));
        }
        auto took = clock::now() - started;
        // A request that got no response (the client went away first) has
        // no status class; the access log still records it.
        auto route_index = route ? route->upstream : svc.pools.size();
        if (result.status != 0) {
            metrics.request(route_index, method, result.status).Increment();
            metrics.request_duration(route_index).Observe(std::chrono::duration<double>(took).count());
        }
        if (summary)
            log_access(id, *summary, route_name, result, took);
        if (!result.keep_alive)
            break;
    }

    error_code ignored;
    stream.socket().shutdown(net::socket_base::shutdown_send, ignored);
    stream.socket().close(ignored);
}

}  // namespace litmus::downstream

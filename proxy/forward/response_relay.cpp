#include "proxy/forward/response_relay.hpp"

#include "proxy/forward/token_redaction.hpp"
#include "proxy/routing/header_rules.hpp"

namespace litmus::forward {

namespace {

// Body bytes moved per read/write pair; lives in the coroutine frame.
constexpr std::size_t relay_chunk = 16 * 1024;

}  // namespace

net::awaitable<relay_result> relay_response(beast::tcp_stream& downstream, upstream::upstream_connection& conn,
                                            http::response_parser<http::buffer_body>& parser,
                                            const relay_options& opt)
{
    relay_result result;
    auto& res = parser.get();
    result.upstream_keep_alive = res.keep_alive();
    bool keep_alive = opt.client_keep_alive;

    routing::remove_hop_by_hop(res);
    res.version(opt.client_version);
    // A body without Content-Length (chunked or read to EOF upstream) is
    // re-framed for the client: chunked for HTTP/1.1, close-delimited for 1.0.
    if (!parser.is_done() && !parser.content_length()) {
        if (opt.client_version >= 11)
            res.chunked(true);
        else
            keep_alive = false;
    }
    res.keep_alive(keep_alive);

    auto& up = beast::get_lowest_layer(conn.stream);
    http::response_serializer<http::buffer_body> sr{res};
    char buf[relay_chunk];
    do {
        if (!parser.is_done()) {
            res.body().data = buf;
            res.body().size = sizeof buf;
            up.expires_after(opt.upstream_read_timeout);
            auto [ec, n] = co_await http::async_read(conn.stream, conn.buffer, parser, net::as_tuple(net::use_awaitable));
            (void)n;
            // need_buffer: our chunk is full, which is the point of the loop.
            if (ec == http::error::need_buffer)
                ec = {};
            // A close-delimited body ends with the connection; servers often
            // skip the TLS close_notify (see beast#38), which is not an error here.
            if (ec == ssl::error::stream_truncated && !parser.content_length() && !parser.chunked()) {
                parser.put_eof(ec);
            }
            if (ec)
                co_return result;
            res.body().size = sizeof buf - res.body().size;
            res.body().data = buf;
            res.body().more = !parser.is_done();
        } else {
            res.body().data = nullptr;
            res.body().size = 0;
            res.body().more = false;
        }
        downstream.expires_after(opt.downstream_write_timeout);
        result.downstream_started = true;
        auto [wec, wn] = co_await http::async_write(downstream, sr, net::as_tuple(net::use_awaitable));
        (void)wn;
        if (wec == http::error::need_buffer)
            wec = {};
        if (wec) {
            result.upstream_complete = parser.is_done();
            co_return result;
        }
    } while (!parser.is_done() && !sr.is_done());

    result.upstream_complete = parser.is_done();
    // The loop ends when the parser is done; the serializer may still owe
    // the last (empty) chunk of a chunked body.
    while (!sr.is_done()) {
        res.body().data = nullptr;
        res.body().size = 0;
        res.body().more = false;
        downstream.expires_after(opt.downstream_write_timeout);
        auto [wec, wn] = co_await http::async_write(downstream, sr, net::as_tuple(net::use_awaitable));
        (void)wn;
        if (wec && wec != http::error::need_buffer)
            co_return result;
    }
    result.downstream_complete = true;
    result.downstream_keep_alive = keep_alive;
    co_return result;
}

net::awaitable<relay_result> relay_redacted_response(beast::tcp_stream& downstream,
                                                     upstream::upstream_connection& conn,
                                                     http::response_parser<http::buffer_body>& parser,
                                                     const relay_options& opt, std::string_view secret)
{
    relay_result result;
    // Same parser state, string body: allowed because no body byte was read yet.
    http::response_parser<http::string_body> whole{std::move(parser)};
    whole.body_limit(max_redacted_body);
    auto& up = beast::get_lowest_layer(conn.stream);
    up.expires_after(opt.upstream_read_timeout);
    auto [ec, n] = co_await http::async_read(conn.stream, conn.buffer, whole, net::as_tuple(net::use_awaitable));
    (void)n;
    if (ec)
        co_return result;
    result.upstream_complete = true;
    auto res = whole.release();
    result.upstream_keep_alive = res.keep_alive();
    redact(res.body(), secret);
    routing::remove_hop_by_hop(res);
    res.version(opt.client_version);
    res.keep_alive(opt.client_keep_alive);
    res.prepare_payload();
    downstream.expires_after(opt.downstream_write_timeout);
    result.downstream_started = true;
    auto [wec, wn] = co_await http::async_write(downstream, res, net::as_tuple(net::use_awaitable));
    (void)wn;
    if (wec)
        co_return result;
    result.downstream_complete = true;
    result.downstream_keep_alive = opt.client_keep_alive;
    co_return result;
}

}  // namespace litmus::forward

#include "proxy/forward/response_relay.hpp"

#include "proxy/forward/body_pump.hpp"
#include "proxy/forward/request_id.hpp"
#include "proxy/forward/token_redaction.hpp"
#include "proxy/forward/wire_header.hpp"
#include "proxy/routing/header_rules.hpp"

namespace litmus::forward {

net::awaitable<relay_result> relay_response(client_stream& downstream, upstream::upstream_connection& conn,
                                            http::response_parser<http::buffer_body>& parser,
                                            const relay_options& opt)
{
    relay_result result;
    auto& res = parser.get();
    // The parser's flags, set as it read the Connection fields (all of them,
    // where the message's keep_alive() reads the first): no second look-up
    // and token scan of the field.
    result.upstream_keep_alive = parser.keep_alive();
    bool keep_alive = opt.client_keep_alive;

    routing::remove_hop_by_hop(res);
    res.set(request_id_field, opt.request_id);
    res.version(opt.client_version);
    // A body without Content-Length (chunked or read to EOF upstream) is
    // re-framed for the client: chunked for HTTP/1.1, close-delimited for 1.0.
    auto framing = body_framing::as_is;
    if (!parser.is_done() && !parser.content_length()) {
        if (opt.client_version >= 11) {
            res.chunked(true);
            framing = body_framing::chunked;
        } else {
            keep_alive = false;
        }
    }
    res.keep_alive(keep_alive);

    conn.header_bytes.clear();
    append_wire_header(conn.header_bytes, res);
    auto pumped =
        co_await pump_message(conn.stream, conn.buffer, parser, downstream, conn.header_bytes, framing,
                              conn.relay_chunk,
                              {opt.upstream_read_timeout, opt.downstream_write_timeout, opt.upstream_deadline});
    result.upstream_complete = pumped.read_complete;
    result.upstream_timed_out = pumped.read_error == beast::error::timeout;
    result.downstream_started = pumped.write_started;
    result.downstream_complete = pumped.write_complete;
    result.downstream_keep_alive = keep_alive && pumped.write_complete;
    result.body_bytes_sent = pumped.body_bytes_written;
    co_return result;
}

net::awaitable<relay_result> relay_redacted_response(client_stream& downstream,
                                                     upstream::upstream_connection& conn,
                                                     http::response_parser<http::buffer_body>& parser,
                                                     const relay_options& opt, std::string_view secret)
{
    relay_result result;
    // Same parser state, string body: allowed because no body byte was read yet.
    http::response_parser<http::string_body> whole{std::move(parser)};
    whole.body_limit(max_redacted_body);
    const routing::header_snapshot header(whole.get());
    // One read for the whole (small) body: the per-read timeout and the
    // deadline both bound it.
    expire_within(conn.stream, opt.upstream_read_timeout, opt.upstream_deadline);
    auto [ec, n] = co_await http::async_read(conn.stream, conn.buffer, whole, net::as_tuple(net::use_awaitable));
    (void)n;
    if (ec) {
        result.upstream_timed_out = ec == beast::error::timeout;
        co_return result;
    }
    result.upstream_complete = true;
    header.drop_added(whole.get());
    result.upstream_keep_alive = whole.keep_alive();
    auto res = whole.release();
    redact(res.body(), secret);
    routing::remove_hop_by_hop(res);
    res.set(request_id_field, opt.request_id);
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
    result.body_bytes_sent = res.body().size();
    co_return result;
}

}  // namespace litmus::forward

#include "proxy/forward/request_body.hpp"

#include "proxy/forward/body_pump.hpp"
#include "proxy/forward/wire_header.hpp"

#include <array>

namespace litmus::forward {

namespace {

// Up to one TLS record's worth of body is copied after the header, so that
// the request goes out as one record in one send.
constexpr std::size_t coalesced_body_limit = 16 * 1024;

}  // namespace

request_body::request_body(http::request<http::string_body>& req)
    : body_(buffered{&req}), client_keep_alive_(req.keep_alive())
{
}

request_body::request_body(http::request_parser<http::buffer_body>& parser, client_stream& downstream,
                           beast::flat_buffer& buffer, std::chrono::milliseconds read_timeout)
    : body_(streamed{&parser, &downstream, &buffer, read_timeout, parser.chunked()}),
      client_keep_alive_(parser.get().keep_alive())
{
}

http::request_header<>& request_body::header() noexcept
{
    if (auto* b = std::get_if<buffered>(&body_))
        return *b->req;
    return std::get<streamed>(body_).parser->get();
}

bool request_body::consumed() const noexcept
{
    if (std::holds_alternative<buffered>(body_))
        return true;
    const auto& s = std::get<streamed>(body_);
    return s.body_read || s.parser->is_done();
}

std::uint64_t request_body::bytes_received() const noexcept
{
    if (auto* b = std::get_if<buffered>(&body_))
        return b->req->body().size();
    return std::get<streamed>(body_).bytes_read;
}

void request_body::prepare_framing()
{
    if (auto* b = std::get_if<buffered>(&body_)) {
        b->req->prepare_payload();
        return;
    }
    auto& s = std::get<streamed>(body_);
    // Transfer-Encoding left with the hop-by-hop headers; a Content-Length
    // body keeps its Content-Length, which the pump honours byte for byte.
    if (s.chunked)
        s.parser->get().chunked(true);
}

net::awaitable<send_result> request_body::send(upstream::upstream_connection& conn,
                                               std::chrono::milliseconds write_timeout)
{
    send_result out;
    auto& wire = conn.header_bytes;
    wire.clear();
    if (auto* b = std::get_if<buffered>(&body_)) {
        append_wire_header(wire, *b->req);
        const auto& body = b->req->body();
        // A small body joins the header: over TLS each buffer of a write is
        // a record and a send of its own.
        std::array<net::const_buffer, 2> request{};
        if (body.size() <= coalesced_body_limit)
            wire += body;
        else
            request[1] = net::buffer(body);
        request[0] = net::buffer(wire);
        beast::get_lowest_layer(conn.stream).expires_after(write_timeout);
        auto [ec, n] = co_await write_all(conn.stream, request);
        (void)n;
        out.upstream_error = ec;
        co_return out;
    }
    auto& s = std::get<streamed>(body_);
    append_wire_header(wire, s.parser->get());
    auto framing = s.chunked ? body_framing::chunked : body_framing::as_is;
    auto pumped = co_await pump_message(*s.downstream, *s.buffer, *s.parser, conn.stream, wire, framing,
                                        conn.relay_chunk, {s.read_timeout, write_timeout});
    s.bytes_read += pumped.body_bytes_read;
    s.body_read = pumped.read_complete;
    out.client_error = pumped.read_error;
    out.upstream_error = pumped.write_error;
    co_return out;
}

}  // namespace litmus::forward

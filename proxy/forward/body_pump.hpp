#pragma once
// Moves one HTTP message from a parser to the other side in bounded chunks,
// in either direction (client body upstream, upstream body to the client):
// the loop of Beast's relay example, with a deadline on every read and
// write, and the header and chunk framing written by the proxy itself (see
// wire_header.hpp for why not Beast's serializer).

#include "proxy/core/net.hpp"
#include "proxy/core/write_all.hpp"
#include "proxy/routing/header_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <span>
#include <string_view>

namespace litmus::forward {

/// Trailer fields accepted (and dropped) in one message before it is refused.
inline constexpr std::size_t max_trailer_fields = 64;

struct pump_result {
    bool read_complete = false;   ///< the whole message was read (the parser may not know: see `direct`)
    bool write_started = false;   ///< at least one write was attempted
    bool write_complete = false;  ///< the whole message was written, its last chunk included
    error_code read_error;
    error_code write_error;
    std::uint64_t body_bytes_read = 0;     ///< body bytes the parser delivered
    std::uint64_t body_bytes_written = 0;  ///< of those, the ones written out
};

struct pump_timeouts {
    std::chrono::milliseconds read{60'000};   ///< each read
    std::chrono::milliseconds write{60'000};  ///< each write
    /// No read ends later than this, however the reads are spaced: a peer
    /// that drips a byte per read timeout cannot hold the message open.
    std::chrono::steady_clock::time_point read_deadline = std::chrono::steady_clock::time_point::max();
};

/// Arms `stream`'s timer for one operation: `per_op` from now, but never past `deadline`.
template <class Stream>
void expire_within(Stream& stream, std::chrono::milliseconds per_op, std::chrono::steady_clock::time_point deadline)
{
    auto now = std::chrono::steady_clock::now();
    auto at = deadline - now > per_op ? now + per_op : deadline;
    beast::get_lowest_layer(stream).expires_at(at);
}

/// How body bytes go on the wire.
enum class body_framing {
    as_is,    ///< as they come: a Content-Length body, a body read to the close, or none
    chunked,  ///< each piece as one chunk, then the last chunk with an empty trailer section
};

/// http::async_read_some, except that bytes already in `buffer` are parsed
/// first without an asynchronous operation: Beast's operation completes
/// through a post to the scheduler even when it did no I/O, and a small
/// body usually arrives with its header.
template <bool IsRequest, class Stream>
net::awaitable<error_code> read_some_body(Stream& in, beast::flat_buffer& buffer,
                                          http::parser<IsRequest, http::buffer_body>& parser)
{
    if (buffer.size() > 0) {
        error_code ec;
        buffer.consume(parser.put(buffer.data(), ec));
        if (ec != http::error::need_more)
            co_return ec;
    }
    auto [ec, n] = co_await http::async_read_some(in, buffer, parser, net::as_tuple(net::use_awaitable));
    (void)n;
    co_return ec;
}

/// `parser` has read the message header from `in` (through `in_buffer`);
/// body bytes pass through `chunk`, at most its size per read and write;
/// `header_bytes` is the header to send in its place (append_wire_header of
/// the edited header). The header goes out with the first body bytes in one
/// write, each later piece in one write of its own (its chunk framing
/// gathered with it). Trailer fields are never passed on (see
/// routing::header_snapshot): a chunked body ends with an empty trailer
/// section. `header_bytes` must stay valid and unchanged until the pump
/// completes. Not thread-safe. Cancellation: the pending read or write
/// fails, and the result says how far the message got.
template <bool IsRequest, class InStream, class OutStream>
net::awaitable<pump_result> pump_message(InStream& in, beast::flat_buffer& in_buffer,
                                         http::parser<IsRequest, http::buffer_body>& parser, OutStream& out,
                                         std::string_view header_bytes, body_framing framing, std::span<char> chunk,
                                         pump_timeouts t)
{
    static constexpr std::string_view crlf = "\r\n";
    static constexpr std::string_view last_chunk = "0\r\n\r\n";
    pump_result r;
    auto& body = parser.get().body();
    // Only a chunked body has trailer fields (RFC 9112 §7.1.2): any other
    // needs no snapshot, which spares every such message sorting its field
    // addresses.
    std::optional<routing::header_snapshot> header;
    if (parser.chunked())
        header.emplace(parser.get());
    std::size_t trailer_fields = 0;
    char chunk_size[20];  // hex digits of a chunk's size, then CRLF
    // Beast reads max(512, free capacity) bytes per read_some: left at the
    // 512 bytes of its first read, the buffer would pass a 64 KiB body on in
    // 128 reads and writes of 512 bytes (what callgrind and strace showed).
    in_buffer.reserve(std::min(chunk.size(), in_buffer.max_size()));
    // Body bytes of a Content-Length body still to come once nothing is
    // left in `in_buffer`: read straight into `chunk`, never past the body's
    // end, instead of into `in_buffer` for the parser to copy into `chunk`
    // (callgrind, 64 KiB responses: that copy was a sixth of the memcpy).
    std::optional<std::uint64_t> direct;
    for (;;) {
        std::size_t piece = 0;
        if (!direct && !parser.is_done() && in_buffer.size() == 0 && !parser.chunked())
            if (auto left = parser.content_length_remaining())
                direct = *left;
        if (direct) {
            expire_within(in, t.read, t.read_deadline);
            auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), *direct));
            auto [ec, n] = co_await in.async_read_some(net::buffer(chunk.data(), want),
                                                       net::as_tuple(net::use_awaitable));
            // The body ended early: what the parser would have said.
            if (ec == net::error::eof || ec == ssl::error::stream_truncated)
                ec = http::error::partial_message;
            if (ec) {
                r.read_error = ec;
                co_return r;
            }
            piece = n;
            *direct -= n;
            r.body_bytes_read += piece;
        } else if (!parser.is_done()) {
            body.data = chunk.data();
            body.size = chunk.size();
            expire_within(in, t.read, t.read_deadline);
            // read_some, not read: whatever arrived is passed on now, so a
            // slow body streams instead of waiting for a full chunk, and the
            // per-read timeout measures silence, not throughput.
            auto ec = co_await read_some_body(in, in_buffer, parser);
            // need_buffer: our chunk is full, which is the point of the loop.
            if (ec == http::error::need_buffer)
                ec = {};
            // A close-delimited body ends with the connection; servers often
            // skip the TLS close_notify (beast#38), which is not an error here.
            if (ec == ssl::error::stream_truncated && !parser.content_length() && !parser.chunked())
                parser.put_eof(ec);
            if (ec) {
                r.read_error = ec;
                co_return r;
            }
            // The parser appends trailer fields to the header fields; if the
            // header has not been written yet they would go out inside it.
            // Dropped as they come (memory stays bounded), and counted: an
            // endless trailer section is refused like an endless header.
            if (header)
                trailer_fields += header->drop_added(parser.get());
            if (trailer_fields > max_trailer_fields) {
                r.read_error = http::error::header_limit;
                co_return r;
            }
            piece = chunk.size() - body.size;
            // Only framing was read (a chunk header): nothing to write yet,
            // and an empty chunk would read as the last one.
            if (piece == 0 && !parser.is_done())
                continue;
            r.body_bytes_read += piece;
        }
        const bool last = direct ? *direct == 0 : parser.is_done();
        // Header (first write only), chunk framing, the piece, the last chunk.
        std::array<net::const_buffer, 5> pieces{};
        if (!r.write_started)
            pieces[0] = net::buffer(header_bytes.data(), header_bytes.size());
        if (framing == body_framing::chunked && piece > 0) {
            auto [end, ec] = std::to_chars(chunk_size, chunk_size + sizeof chunk_size - 2, piece, 16);
            (void)ec;  // 16 hex digits hold any size
            *end++ = '\r';
            *end++ = '\n';
            pieces[1] = net::buffer(chunk_size, static_cast<std::size_t>(end - chunk_size));
            pieces[3] = net::buffer(crlf.data(), crlf.size());
        }
        pieces[2] = net::buffer(chunk.data(), piece);
        if (framing == body_framing::chunked && last)
            pieces[4] = net::buffer(last_chunk.data(), last_chunk.size());
        beast::get_lowest_layer(out).expires_after(t.write);
        r.write_started = true;
        auto [wec, wn] = co_await write_all(out, pieces);
        (void)wn;
        if (wec) {
            r.write_error = wec;
            r.read_complete = last;
            co_return r;
        }
        r.body_bytes_written += piece;
        if (last)
            break;
    }
    r.read_complete = true;
    r.write_complete = true;
    co_return r;
}

}  // namespace litmus::forward

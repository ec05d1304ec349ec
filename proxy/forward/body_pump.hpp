#pragma once
// Moves one HTTP message from a parser to a serializer in bounded chunks, in
// either direction (client body upstream, upstream body to the client): the
// loop of Beast's relay example, with a deadline on every read and write.

#include "proxy/core/net.hpp"
#include "proxy/routing/header_rules.hpp"

#include <algorithm>

namespace litmus::forward {

/// Body bytes moved per read/write pair; lives in the coroutine frame.
inline constexpr std::size_t pump_chunk = 16 * 1024;

/// Trailer fields accepted (and dropped) in one message before it is refused.
inline constexpr std::size_t max_trailer_fields = 64;

struct pump_result {
    bool read_complete = false;   ///< the parser reached the end of the message
    bool write_started = false;   ///< at least one write was attempted
    bool write_complete = false;  ///< the serializer finished the message
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

/// `parser` has read the message header from `in` (through `in_buffer`) and
/// `sr` serializes `parser.get()`: header edits made before the call are
/// what goes out. Trailer fields are never passed on (see
/// routing::header_snapshot): the serializer ends a chunked body with an
/// empty trailer section. Not thread-safe. Cancellation: the pending read or
/// write fails, and the result says how far the message got.
template <bool IsRequest, class InStream, class OutStream>
net::awaitable<pump_result> pump_message(InStream& in, beast::flat_buffer& in_buffer,
                                         http::parser<IsRequest, http::buffer_body>& parser, OutStream& out,
                                         http::serializer<IsRequest, http::buffer_body>& sr, pump_timeouts t)
{
    pump_result r;
    auto& body = parser.get().body();
    const routing::header_snapshot header(parser.get());
    std::size_t trailer_fields = 0;
    char buf[pump_chunk];
    // Beast reads max(512, free capacity) bytes per read_some: left at the
    // 512 bytes of its first read, the buffer would pass a 64 KiB body on in
    // 128 reads and writes of 512 bytes (what callgrind and strace showed).
    in_buffer.reserve(std::min(pump_chunk, in_buffer.max_size()));
    do {
        if (!parser.is_done()) {
            body.data = buf;
            body.size = sizeof buf;
            expire_within(in, t.read, t.read_deadline);
            // read_some, not read: whatever arrived is passed on now, so a
            // slow body streams instead of waiting for a full chunk, and the
            // per-read timeout measures silence, not throughput.
            auto [ec, n] = co_await http::async_read_some(in, in_buffer, parser, net::as_tuple(net::use_awaitable));
            (void)n;
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
            trailer_fields += header.drop_added(parser.get());
            if (trailer_fields > max_trailer_fields) {
                r.read_error = http::error::header_limit;
                co_return r;
            }
            // Only framing was read (a chunk header): nothing to write yet,
            // and an empty buffer would read as the last chunk.
            if (body.size == sizeof buf && !parser.is_done())
                continue;
            body.size = sizeof buf - body.size;
            body.data = buf;
            body.more = !parser.is_done();
            r.body_bytes_read += body.size;
        } else {
            body.data = nullptr;
            body.size = 0;
            body.more = false;
        }
        const std::size_t chunk = body.size;
        beast::get_lowest_layer(out).expires_after(t.write);
        r.write_started = true;
        auto [wec, wn] = co_await http::async_write(out, sr, net::as_tuple(net::use_awaitable));
        (void)wn;
        if (wec == http::error::need_buffer)
            wec = {};
        if (wec) {
            r.write_error = wec;
            r.read_complete = parser.is_done();
            co_return r;
        }
        // A write that succeeded took the whole chunk (or asked for more).
        r.body_bytes_written += chunk;
    } while (!parser.is_done() || !sr.is_done());
    r.read_complete = true;
    r.write_complete = true;
    co_return r;
}

}  // namespace litmus::forward

#pragma once
// Moves one HTTP message from a parser to a serializer in bounded chunks, in
// either direction (client body upstream, upstream body to the client): the
// loop of Beast's relay example, with a deadline on every read and write.

#include "proxy/core/net.hpp"

namespace litmus::forward {

/// Body bytes moved per read/write pair; lives in the coroutine frame.
inline constexpr std::size_t pump_chunk = 16 * 1024;

struct pump_result {
    bool read_complete = false;   ///< the parser reached the end of the message
    bool write_started = false;   ///< at least one write was attempted
    bool write_complete = false;  ///< the serializer finished the message
    error_code read_error;
    error_code write_error;
};

struct pump_timeouts {
    std::chrono::milliseconds read{60'000};
    std::chrono::milliseconds write{60'000};
};

/// `parser` has read the message header from `in` (through `in_buffer`) and
/// `sr` serializes `parser.get()`: header edits made before the call are
/// what goes out. Not thread-safe. Cancellation: the pending read or write
/// fails, and the result says how far the message got.
template <bool IsRequest, class InStream, class OutStream>
net::awaitable<pump_result> pump_message(InStream& in, beast::flat_buffer& in_buffer,
                                         http::parser<IsRequest, http::buffer_body>& parser, OutStream& out,
                                         http::serializer<IsRequest, http::buffer_body>& sr, pump_timeouts t)
{
    pump_result r;
    auto& body = parser.get().body();
    char buf[pump_chunk];
    do {
        if (!parser.is_done()) {
            body.data = buf;
            body.size = sizeof buf;
            beast::get_lowest_layer(in).expires_after(t.read);
            auto [ec, n] = co_await http::async_read(in, in_buffer, parser, net::as_tuple(net::use_awaitable));
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
            body.size = sizeof buf - body.size;
            body.data = buf;
            body.more = !parser.is_done();
        } else {
            body.data = nullptr;
            body.size = 0;
            body.more = false;
        }
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
    } while (!parser.is_done() || !sr.is_done());
    r.read_complete = true;
    r.write_complete = true;
    co_return r;
}

}  // namespace litmus::forward

#pragma once
// Writes a whole buffer sequence: at once when the stream takes it without
// waiting, asynchronously for whatever it does not take.
//
// Why: an asynchronous write that the socket takes whole at once still
// completes through the scheduler. The operation is queued, its completion
// posted, and the coroutine resumed from the run loop, with the composed
// write operation and the handler wrappers around each step. A proxy's
// writes nearly always go at once (a response to a client that is reading,
// a request to an upstream that is idle), so nginx writes first and waits
// only when the socket is full; so does this.

#include "proxy/core/net.hpp"

#include <boost/beast/core/buffers_suffix.hpp>

#include <cstddef>
#include <tuple>

namespace litmus {

/// `Stream` has write_some_now(buffers, error_code&) besides the Asio
/// AsyncWriteStream members (deadline_stream, upstream::tls_stream); one that
/// keeps output of its own (tls_stream's ciphertext) has output_pending()
/// and async_flush(). Completes with (error, bytes written): all of them
/// unless there is an error. Not while another write is outstanding on
/// `stream`.
template <class Stream, class ConstBufferSequence>
net::awaitable<std::tuple<error_code, std::size_t>> write_all(Stream& stream, const ConstBufferSequence& buffers)
{
    error_code ec;
    std::size_t written = stream.write_some_now(buffers, ec);
    if (!ec && written < net::buffer_size(buffers)) {
        beast::buffers_suffix<ConstBufferSequence> rest(buffers);
        rest.consume(written);
        auto [rest_ec, n] = co_await net::async_write(stream, rest, net::as_tuple(net::use_awaitable));
        ec = rest_ec;
        written += n;
    }
    if constexpr (requires { stream.output_pending(); }) {
        if (!ec && stream.output_pending()) {
            auto [flush_ec] = co_await stream.async_flush(net::as_tuple(net::use_awaitable));
            ec = flush_ec;
        }
    }
    co_return std::tuple{ec, written};
}

}  // namespace litmus

#pragma once
// Waiting for the next request on a keep-alive connection, shared by the
// proxy and admin sessions.

#include "proxy/core/net.hpp"

#include <algorithm>
#include <chrono>

namespace litmus {

/// Waits up to `timeout` for the first byte of the next request (unless
/// bytes are already buffered: a pipelined request). The header timeout
/// starts only after this returns, so a connection may stay idle between
/// requests while a slow-header client cannot hold it. Reads at most
/// `read_size` bytes, never past the buffer's bound. False when the
/// connection is done (closed, reset, timed out, cancelled).
/// `Stream` has expires_after(): beast::tcp_stream for the admin listener,
/// a client_stream (TCP or Unix-domain) for the proxy listener.
template <class Stream>
net::awaitable<bool> await_request(Stream& stream, beast::flat_buffer& buffer, std::chrono::milliseconds timeout,
                                   std::size_t read_size)
{
    if (buffer.size() > 0)
        co_return true;
    stream.expires_after(timeout);
    // prepare() throws beyond the buffer's max_size.
    auto want = std::min(read_size, buffer.max_size());
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(want), net::as_tuple(net::use_awaitable));
    if (ec)
        co_return false;
    buffer.commit(n);
    co_return true;
}

}  // namespace litmus

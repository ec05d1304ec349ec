#pragma once
// Waiting for the next request on a keep-alive connection, shared by the
// proxy and admin sessions.

#include "proxy/core/net.hpp"

#include <chrono>

namespace litmus {

/// Waits up to `timeout` for the first byte of the next request (unless
/// bytes are already buffered: a pipelined request). The header timeout
/// starts only after this returns, so a connection may stay idle between
/// requests while a slow-header client cannot hold it. Reads at most
/// `read_size` bytes, never past the buffer's bound. False when the
/// connection is done (closed, reset, timed out, cancelled).
net::awaitable<bool> await_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   std::chrono::milliseconds timeout, std::size_t read_size);

}  // namespace litmus

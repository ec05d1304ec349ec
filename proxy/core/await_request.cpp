#include "proxy/core/await_request.hpp"

#include <algorithm>

namespace litmus {

net::awaitable<bool> await_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   std::chrono::milliseconds timeout, std::size_t read_size)
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

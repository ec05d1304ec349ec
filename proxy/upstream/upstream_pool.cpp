#include "proxy/upstream/upstream_pool.ipp"

#include <sys/socket.h>

#include <cerrno>

namespace litmus::upstream {

// The one instance the proxy uses; every other file sees it as extern.
template class basic_upstream_pool<std::chrono::steady_clock>;

peek_result peek_socket(upstream_connection& c) noexcept
{
    char byte;
    auto fd = beast::get_lowest_layer(c.stream).socket().native_handle();
    auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0)
        return peek_result::data;
    if (n == 0)
        return peek_result::eof;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return peek_result::nothing;
    return peek_result::error;
}

}  // namespace litmus::upstream

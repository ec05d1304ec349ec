#pragma once
// `Expect: 100-continue` (RFC 9110 §10.1.1): clients such as curl hold a
// large body back until told to send it, so a request whose body the proxy
// is about to read gets its 100 Continue first.

#include "proxy/core/ascii.hpp"
#include "proxy/core/deadline_stream.hpp"
#include "proxy/core/net.hpp"

#include <chrono>
#include <string_view>

namespace litmus::downstream {

/// Sends 100 Continue when `req` expects it. Returns false when the
/// connection failed.
template <class Body>
net::awaitable<bool> send_continue_if_expected(client_stream& stream, const http::request<Body>& req,
                                               std::chrono::milliseconds timeout)
{
    if (!litmus::iequals(req[http::field::expect], "100-continue"))
        co_return true;
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    stream.expires_after(timeout);
    auto [ec, n] = co_await net::async_write(stream, net::buffer(continue_line.data(), continue_line.size()),
                                             net::as_tuple(net::use_awaitable));
    (void)n;
    co_return !ec;
}

}  // namespace litmus::downstream

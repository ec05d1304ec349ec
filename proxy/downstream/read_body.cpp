#include "proxy/downstream/read_body.hpp"

#include "proxy/downstream/expect_continue.hpp"
#include "proxy/forward/local_reply.hpp"

namespace litmus::downstream {

net::awaitable<std::optional<forward::forward_result>> read_rest_of_body(
    forward::proxy_services& svc, client_stream& stream, beast::flat_buffer& buffer,
    http::request_parser<http::string_body>& parser, const forward::request_id& id)
{
    if (parser.is_done())
        co_return std::nullopt;
    const auto timeout = svc.cfg.downstream.io_timeout;
    if (!co_await send_continue_if_expected(stream, parser.get(), timeout))
        co_return forward::forward_result{};
    stream.expires_after(timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    (void)n;
    if (!ec)
        co_return std::nullopt;
    auto refuse = forward::reply_for_read_error(ec);
    if (!refuse)
        co_return forward::forward_result{};
    co_return co_await forward::reply_with_error(svc, stream, *refuse, std::min(parser.get().version(), 11u), false,
                                                 id);
}

}  // namespace litmus::downstream

#include "proxy/upstream/one_shot_exchange.hpp"

#include "proxy/upstream/upstream_connection.hpp"

namespace litmus::upstream {

net::awaitable<boost::system::result<http::response<http::string_body>, exchange_failure>>
one_shot_exchange(ssl::context& ctx, const upstream_target& target, const http::request<http::string_body>& req,
                  std::chrono::milliseconds timeout, std::uint64_t body_limit)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto conn = co_await connect_upstream(ctx, target, timeout);
    if (!conn)
        co_return exchange_failure{std::string(name_of(conn.error()))};
    auto& c = **conn;
    auto& tcp_layer = beast::get_lowest_layer(c.stream);

    tcp_layer.expires_at(deadline);
    auto [wec, written] = co_await http::async_write(c.stream, req, net::as_tuple(net::use_awaitable));
    (void)written;
    if (wec) {
        close_connection(c);
        co_return exchange_failure{wec == beast::error::timeout ? "timeout sending the request"
                                                                : "send failed: " + wec.message()};
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    tcp_layer.expires_at(deadline);
    auto [rec, read] = co_await http::async_read(c.stream, c.buffer, parser, net::as_tuple(net::use_awaitable));
    (void)read;
    close_connection(c);
    if (rec == http::error::body_limit)
        co_return exchange_failure{"response body over " + std::to_string(body_limit / 1024) + " KiB", true,
                                   parser.get().result_int()};
    if (rec == beast::error::timeout)
        co_return exchange_failure{"timeout waiting for the response"};
    if (rec)
        co_return exchange_failure{"receive failed: " + rec.message()};
    co_return parser.release();
}

}  // namespace litmus::upstream

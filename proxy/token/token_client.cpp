#include "proxy/token/token_client.hpp"

#include "proxy/upstream/upstream_connection.hpp"

namespace litmus::token {

namespace {

// A token answer is a few hundred bytes; anything this large is an error
// page or an attack, never a token worth reading.
constexpr std::uint64_t max_response_body = 64 * 1024;

token_failure failed(std::string reason, errc code = errc::token_endpoint_failed, unsigned status = 0)
{
    return {code, status, std::move(reason)};
}

}  // namespace

token_client::token_client(ssl::context& ctx, const config::token_config& cfg,
                           const credential_source& creds)
    : ctx_(ctx), cfg_(cfg), creds_(creds), target_(upstream::make_target("token", cfg.parsed, cfg.connect))
{
}

net::awaitable<fetch_result> token_client::fetch(token_grant grant) const
{
    auto deadline = std::chrono::steady_clock::now() + cfg_.fetch_timeout;
    auto conn = co_await upstream::connect_upstream(ctx_, target_, cfg_.fetch_timeout);
    if (!conn)
        co_return failed(std::string(name_of(conn.error())));
    auto& c = **conn;
    auto& tcp_layer = beast::get_lowest_layer(c.stream);

    http::request<http::string_body> req{http::verb::post, cfg_.parsed.path.empty() ? "/" : cfg_.parsed.path, 11};
    req.set(http::field::host, target_.authority);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json");
    req.set(http::field::user_agent, "litmus-proxy");
    auto creds = creds_.current();
    req.body() = make_grant_body(grant, creds->client_id, creds->client_secret);
    req.prepare_payload();

    tcp_layer.expires_at(deadline);
    auto [wec, written] = co_await http::async_write(c.stream, req, net::as_tuple(net::use_awaitable));
    (void)written;
    if (wec) {
        upstream::close_connection(c);
        co_return failed(wec == beast::error::timeout ? "timeout sending the request" : "send failed: " + wec.message());
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(max_response_body);
    tcp_layer.expires_at(deadline);
    auto [rec, read] = co_await http::async_read(c.stream, c.buffer, parser, net::as_tuple(net::use_awaitable));
    (void)read;
    upstream::close_connection(c);
    if (rec == http::error::body_limit)
        co_return failed("response body over 64 KiB", errc::token_bad_response, parser.get().result_int());
    if (rec == beast::error::timeout)
        co_return failed("timeout waiting for the response");
    if (rec)
        co_return failed("receive failed: " + rec.message());
    const auto& res = parser.get();
    co_return parse_token_response(grant.kind, res.result_int(), res.body(), cfg_);
}

}  // namespace litmus::token

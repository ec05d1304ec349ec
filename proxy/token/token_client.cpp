#include "proxy/token/token_client.hpp"

#include "proxy/upstream/one_shot_exchange.hpp"

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
    http::request<http::string_body> req{http::verb::post, cfg_.parsed.path.empty() ? "/" : cfg_.parsed.path, 11};
    req.set(http::field::host, target_.authority);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json");
    req.set(http::field::user_agent, "litmus-proxy");
    auto creds = creds_.current();
    req.body() = make_grant_body(grant, creds->client_id, creds->client_secret);
    req.prepare_payload();

    auto res = co_await upstream::one_shot_exchange(ctx_, target_, req, cfg_.fetch_timeout, max_response_body);
    if (!res) {
        const auto& f = res.error();
        co_return failed(f.reason, f.body_too_large ? errc::token_bad_response : errc::token_endpoint_failed,
                         f.status);
    }
    co_return parse_token_response(grant.kind, res->result_int(), res->body(), cfg_);
}

}  // namespace litmus::token

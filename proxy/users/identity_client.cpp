#include "proxy/users/identity_client.hpp"

#include "proxy/upstream/one_shot_exchange.hpp"

namespace litmus::users {

namespace {

// A profile is a few hundred bytes.
constexpr std::uint64_t max_response_body = 64 * 1024;

}  // namespace

identity_client::identity_client(ssl::context& ctx, upstream::upstream_target target, std::string base_path,
                                 std::chrono::milliseconds timeout)
    : ctx_(ctx), target_(std::move(target)), timeout_(timeout)
{
    while (!base_path.empty() && base_path.back() == '/')
        base_path.pop_back();
    path_ = base_path + "/v2/users/current";
}

net::awaitable<boost::system::result<litmus_identity, std::string>> identity_client::fetch(
    std::string authorization) const
{
    http::request<http::string_body> req{http::verb::get, path_, 11};
    req.set(http::field::host, target_.authority);
    req.set(http::field::authorization, authorization);
    req.set(http::field::accept, "application/json");
    req.set(http::field::accept_encoding, "identity");
    req.set(http::field::user_agent, "litmus-proxy");
    auto res = co_await upstream::one_shot_exchange(ctx_, target_, req, timeout_, max_response_body);
    using result_type = boost::system::result<litmus_identity, std::string>;
    if (!res)
        co_return result_type(boost::system::in_place_error, res.error().reason);
    if (res->result_int() != 200)
        co_return result_type(boost::system::in_place_error,
                              "GET /v2/users/current answered " + std::to_string(res->result_int()));
    co_return parse_current_user(res->body());
}

}  // namespace litmus::users

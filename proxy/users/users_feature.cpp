#include "proxy/users/users_feature.hpp"

#include "proxy/upstream/upstream_target.hpp"
#include "proxy/users/make_user_store.hpp"
#include "proxy/users/timed_user_store.hpp"

#include <algorithm>

namespace litmus::users {

namespace {

// Where GET /v2/users/current goes: the upstream named "api" (the default
// upstreams' api.litmus.com), else the first one configured.
const config::upstream_config& identity_upstream(const config::proxy_config& cfg)
{
    auto it = std::find_if(cfg.upstreams.begin(), cfg.upstreams.end(), [](const auto& u) { return u.name == "api"; });
    return it != cfg.upstreams.end() ? *it : cfg.upstreams.front();
}

identity_client make_identity_client(ssl::context& tls, const config::proxy_config& cfg)
{
    const auto& u = identity_upstream(cfg);
    return identity_client(tls, upstream::make_target(u.name, u.parsed, u.connect), u.parsed.path,
                           cfg.token.fetch_timeout);
}

}  // namespace

users_feature::users_feature(net::any_io_executor ex, const config::proxy_config& cfg, ssl::context& tls,
                             prometheus::Registry& registry, const token::credential_source& creds,
                             const token::token_client& client)
    : metrics_(registry),
      token_metrics_(registry, "litmus_proxy_user_token"),
      store_(std::make_unique<timed_user_store>(make_user_store(*cfg.users), metrics_)),
      identity_(make_identity_client(tls, cfg)),
      tokens_(ex, cfg.token, *store_, [&client](token::token_grant g) { return client.fetch(std::move(g)); },
              token_metrics_, metrics_),
      endpoints_(
          *cfg.users, creds, [&client](token::token_grant g) { return client.fetch(std::move(g)); },
          [this](std::string authorization) { return identity_.fetch(std::move(authorization)); }, *store_, tokens_,
          metrics_)
{
}

void users_feature::start()
{
    tokens_.start();
}

void users_feature::stop()
{
    tokens_.stop();
}

}  // namespace litmus::users

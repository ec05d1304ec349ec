#include "proxy/proxy_app.hpp"

#include "proxy/admin/process_metrics.hpp"
#include "proxy/core/log.hpp"
#include "proxy/upstream/tls_context.hpp"
#include "proxy/upstream/upstream_metrics.hpp"

namespace litmus {

namespace {

std::vector<std::string> upstream_names(const config::proxy_config& cfg)
{
    std::vector<std::string> names;
    for (const auto& u : cfg.upstreams)
        names.push_back(u.name);
    return names;
}

routing::request_policy request_policy(const config::proxy_config& cfg)
{
    routing::request_policy p;
    p.max_target_length = cfg.downstream.target_limit;
    for (const auto& u : cfg.upstreams)
        // The trust check compares Host values, which bracket IPv6 literals.
        p.trust.upstream_hosts.push_back(u.parsed.host.find(':') == std::string::npos ? u.parsed.host
                                                                                        : "[" + u.parsed.host + "]");
    p.trust.allowed_hosts = cfg.downstream.allowed_hosts;
    p.trust.allowed_origins = cfg.downstream.allowed_origins;
    return p;
}

std::vector<routing::route_entry> route_entries(const config::proxy_config& cfg)
{
    std::vector<routing::route_entry> entries;
    for (const auto& u : cfg.upstreams)
        entries.push_back({u.parsed.host, u.prefix, u.parsed.path});
    return entries;
}

}  // namespace

proxy_app::proxy_app(net::io_context& ioc, const config::proxy_config& cfg,
                     std::optional<downstream::activated_socket> activated)
    : cfg_(cfg),
      tls_(upstream::make_client_tls_context(cfg.tls)),
      token_metrics_(metrics_.registry()),
      forward_metrics_(metrics_.registry(), upstream_names(cfg)),
      downstream_metrics_(metrics_.registry(), upstream_names(cfg))
{
    credentials_ = std::make_unique<token::credential_source>(cfg.credentials);
    credential_watch_ = std::make_unique<token::credential_watch>(ioc.get_executor(), *credentials_,
                                                                  cfg.credentials.watch_interval);
    token_client_ = std::make_unique<token::token_client>(tls_, cfg.token, *credentials_);
    auto fetch = [client = token_client_.get()](token::token_grant g) { return client->fetch(std::move(g)); };
    tokens_ = std::make_unique<token::token_source>(ioc.get_executor(), cfg.token, std::move(fetch),
                                                    token::token_grant{}, token_metrics_, "client_credentials");
    services_.reset(new forward::proxy_services{cfg, routing::router(route_entries(cfg)), request_policy(cfg), {},
                                                *tokens_, forward_metrics_});
    if (cfg.users) {
        users_ = std::make_unique<users::users_feature>(ioc.get_executor(), cfg, tls_, metrics_.registry(),
                                                        *credentials_, *token_client_);
        services_->user_endpoints = &users_->endpoints();
        services_->user_tokens = &users_->tokens();
    }
    for (const auto& u : cfg.upstreams)
        services_->pools.push_back(std::make_unique<upstream::upstream_pool>(
            tls_, upstream::make_target(u.name, u.parsed, u.connect), cfg.upstream,
            upstream::upstream_metrics(metrics_.registry(), u.name)));
    listener_ = std::make_unique<downstream::listener>(ioc.get_executor(), cfg.downstream, activated, *services_,
                                                       downstream_metrics_);
    // Scrape-time values. The token source outlives every scrape: scrapes
    // happen while the app runs, and the registry dies with the app.
    metrics_.add_collector(std::make_shared<token::token_expiry_metric>(
        [tokens = tokens_.get()] { return tokens->seconds_until_expiry(); }));
    metrics_.add_collector(std::make_shared<admin::process_metrics>());
    admin_ = std::make_unique<admin::admin_listener>(
        ioc.get_executor(), cfg.admin.listen,
        admin::admin_sources{[this] { return metrics_text(); }, [this] { return state(); }});
    notifier_ = std::make_unique<admin::systemd_notifier>(ioc.get_executor(), [this] { return state(); });
    tokens_->on_fetch_finished([this] { notifier_->update(); });
    log_flush_ = std::make_unique<log_flush_timer>(ioc.get_executor());
}

proxy_app::~proxy_app() = default;

void proxy_app::start()
{
    credential_watch_->start();
    tokens_->start();
    if (users_)
        users_->start();
    listener_->start();
    admin_->start();
    notifier_->start();
    log_flush_->start();
}

void proxy_app::drain(std::function<void()> done)
{
    // Before the listener's drain, which may finish (and call back) at once.
    notifier_->stopping();
    listener_->drain(cfg_.downstream.drain_timeout, [this, done = std::move(done)]() mutable {
        tokens_->stop();
        if (users_)
            users_->stop();
        credential_watch_->stop();
        for (auto& p : services_->pools)
            p->close_idle();
        notifier_->stop();
        log_flush_->stop();
        // Last: until the drain is done, /readyz keeps answering "draining".
        admin_->close(std::move(done));
    });
}

admin::proxy_state proxy_app::state() const
{
    auto token = tokens_->status();
    admin::proxy_state s;
    s.draining = services_->draining;
    s.token_valid = token.valid;
    s.token_valid_for = std::chrono::duration_cast<std::chrono::seconds>(token.valid_for);
    if (token.failing)
        s.token_error = token.failing->oauth_error.empty() ? std::string(name_of(token.failing->code))
                                                          : token.failing->oauth_error;
    return s;
}

}  // namespace litmus

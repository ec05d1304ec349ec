#include "proxy/admin/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace litmus::admin {

namespace {

std::string_view outcome_name(fetch_outcome o)
{
    switch (o) {
    case fetch_outcome::success: return "success";
    case fetch_outcome::rejected: return "rejected";
    case fetch_outcome::refresh_refused: return "refresh_refused";
    case fetch_outcome::failed: return "failed";
    case fetch_outcome::bad_response: return "bad_response";
    }
    return "failed";
}

prometheus::Counter& counter(prometheus::Registry& r, const std::string& name, const std::string& help)
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

const prometheus::Histogram::BucketBoundaries latency_buckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

constexpr errc last_errc = errc::shutting_down;

}  // namespace

fetch_outcome outcome_of(errc e) noexcept
{
    switch (e) {
    case errc::token_rejected: return fetch_outcome::rejected;
    case errc::refresh_refused: return fetch_outcome::refresh_refused;
    case errc::token_bad_response: return fetch_outcome::bad_response;
    default: return fetch_outcome::failed;
    }
}

proxy_metrics::proxy_metrics(const std::vector<std::string>& routes)
    : registry_(std::make_shared<prometheus::Registry>()),
      token_invalidations(counter(*registry_, "litmus_proxy_token_invalidations_total",
                                  "Tokens dropped because an upstream answered 401 to them")),
      token_waits(counter(*registry_, "litmus_proxy_token_waits_total",
                          "Requests that found no valid token and waited for one")),
      token_wait_seconds(prometheus::BuildHistogram()
                             .Name("litmus_proxy_token_wait_seconds")
                             .Help("Time requests spent waiting for a token")
                             .Register(*registry_)
                             .Add({}, latency_buckets)),
      token_lifetime_seconds(prometheus::BuildGauge()
                               .Name("litmus_proxy_token_lifetime_seconds")
                               .Help("Lifetime of the current token when it was obtained")
                               .Register(*registry_)
                               .Add({})),
      retries_unauthorized(prometheus::BuildCounter()
                               .Name("litmus_proxy_upstream_retries_total")
                               .Help("Requests replayed once, by reason")
                               .Register(*registry_)
                               .Add({{"reason", "unauthorized"}})),
      retries_stale_connection(prometheus::BuildCounter()
                                   .Name("litmus_proxy_upstream_retries_total")
                                   .Help("Requests replayed once, by reason")
                                   .Register(*registry_)
                                   .Add({{"reason", "stale_connection"}})),
      unauthorized_passed_through(counter(*registry_, "litmus_proxy_upstream_unauthorized_passed_total",
                                          "Upstream 401s passed to the client (after the retry, or on a streamed request)")),
      request_duration_seconds(prometheus::BuildHistogram()
                                   .Name("litmus_proxy_request_duration_seconds")
                                   .Help("Time from request header received to response sent")
                                   .Register(*registry_)
                                   .Add({}, latency_buckets)),
      upstream_connects(counter(*registry_, "litmus_proxy_upstream_connects_total",
                                "New TLS connections opened to upstreams")),
      upstream_connect_failures(counter(*registry_, "litmus_proxy_upstream_connect_failures_total",
                                        "Failed upstream connection attempts (TCP, TLS or verification)")),
      upstream_reuses(counter(*registry_, "litmus_proxy_upstream_connection_reuses_total",
                              "Requests sent on a pooled keep-alive connection")),
      upstream_idle_discarded(counter(*registry_, "litmus_proxy_upstream_idle_discarded_total",
                                      "Idle pooled connections found expired, closed or readable and dropped"))
{
    auto& fetches = prometheus::BuildCounter()
                        .Name("litmus_proxy_token_fetches_total")
                        .Help("Token endpoint calls by grant and outcome")
                        .Register(*registry_);
    for (auto g : {token::grant_kind::client_credentials, token::grant_kind::refresh_token,
                   token::grant_kind::authorization_code})
        for (std::size_t o = 0; o < fetch_outcome_count; ++o)
            token_fetches_[static_cast<std::size_t>(g)][o] =
                &fetches.Add({{"grant", std::string(token::to_string(g))},
                              {"outcome", std::string(outcome_name(static_cast<fetch_outcome>(o)))}});

    auto& requests = prometheus::BuildCounter()
                         .Name("litmus_proxy_requests_total")
                         .Help("Requests answered, by route and status class")
                         .Register(*registry_);
    auto add_route = [&](const std::string& route) {
        std::array<prometheus::Counter*, 5> by_class{};
        for (int c = 1; c <= 5; ++c)
            by_class[c - 1] = &requests.Add({{"route", route}, {"code", std::to_string(c) + "xx"}});
        requests_.push_back(by_class);
    };
    for (const auto& r : routes)
        add_route(r);
    add_route("none");  // requests that matched no route

    auto& replies = prometheus::BuildCounter()
                        .Name("litmus_proxy_local_replies_total")
                        .Help("Error replies produced by the proxy itself, by reason")
                        .Register(*registry_);
    local_replies_.resize(static_cast<std::size_t>(last_errc) + 1, nullptr);
    for (int e = 1; e <= static_cast<int>(last_errc); ++e)
        local_replies_[static_cast<std::size_t>(e)] =
            &replies.Add({{"reason", std::string(name_of(static_cast<errc>(e)))}});
}

prometheus::Counter& proxy_metrics::request(std::size_t route, unsigned status) noexcept
{
    auto cls = std::min<unsigned>(5, std::max<unsigned>(1, status / 100));
    auto r = std::min(route, requests_.size() - 1);
    return *requests_[r][cls - 1];
}

prometheus::Counter& proxy_metrics::local_reply(errc e) noexcept
{
    return *local_replies_[static_cast<std::size_t>(e)];
}

std::string proxy_metrics::serialize() const
{
    return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace litmus::admin

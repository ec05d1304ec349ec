#include "proxy/token/token_metrics.hpp"

#include "proxy/core/metric_builders.hpp"

namespace litmus::token {

fetch_outcome outcome_of(errc e) noexcept
{
    switch (e) {
    case errc::token_rejected: return fetch_outcome::rejected;
    case errc::refresh_refused: return fetch_outcome::refresh_refused;
    case errc::token_bad_response: return fetch_outcome::bad_response;
    default: return fetch_outcome::failed;
    }
}

std::string_view to_string(fetch_outcome o) noexcept
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

token_metrics::token_metrics(prometheus::Registry& r, const std::string& prefix)
    : fetch_duration_seconds(add_latency_histogram(r, prefix + "_fetch_duration_seconds",
                                                   "Duration of token endpoint calls, whatever their outcome")),
      invalidations(add_counter(r, prefix + "_invalidations_total",
                                "Tokens dropped because an upstream answered 401 to them")),
      waits(add_counter(r, prefix + "_waits_total", "Requests that found no valid token and waited for one")),
      wait_seconds(add_latency_histogram(r, prefix + "_wait_seconds", "Time requests spent waiting for a token")),
      lifetime_seconds(add_gauge(r, prefix + "_lifetime_seconds",
                                 "Lifetime of the current token, as granted when it was obtained"))
{
    for (auto g : {grant_kind::client_credentials, grant_kind::refresh_token, grant_kind::authorization_code})
        for (std::size_t o = 0; o < fetch_outcome_count; ++o)
            fetches_[static_cast<std::size_t>(g)][o] =
                &add_counter(r, prefix + "_fetches_total", "Token endpoint calls by grant and outcome",
                             {{"grant", std::string(to_string(g))},
                              {"outcome", std::string(to_string(static_cast<fetch_outcome>(o)))}});
}

std::vector<prometheus::MetricFamily> token_expiry_metric::Collect() const
{
    prometheus::ClientMetric m;
    m.gauge.value = seconds_left_();
    return {{"litmus_proxy_token_expires_in_seconds",
             "Seconds until the current token expires; 0 when no token is held", prometheus::MetricType::Gauge,
             {m}}};
}

}  // namespace litmus::token

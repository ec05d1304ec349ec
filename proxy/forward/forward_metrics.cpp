#include "proxy/forward/forward_metrics.hpp"

#include "proxy/core/metric_builders.hpp"

namespace litmus::forward {

namespace {

constexpr errc last_errc = errc::shutting_down;

}  // namespace

std::string_view to_string(unauthorized_outcome o) noexcept
{
    switch (o) {
    case unauthorized_outcome::succeeded: return "succeeded";
    case unauthorized_outcome::unauthorized_again: return "unauthorized_again";
    case unauthorized_outcome::token_unavailable: return "token_unavailable";
    case unauthorized_outcome::upstream_failed: return "upstream_failed";
    case unauthorized_outcome::not_retried: return "not_retried";
    }
    return "upstream_failed";
}

forward_metrics::forward_metrics(prometheus::Registry& r, const std::vector<std::string>& routes)
    : stale_connection_retries(add_counter(r, "litmus_proxy_stale_connection_retries_total",
                                           "Requests replayed on a fresh connection after a reused one failed "
                                           "before any response byte"))
{
    for (const auto& route : routes)
        upstream_response_duration_.push_back(&add_latency_histogram(
            r, "litmus_proxy_upstream_response_duration_seconds",
            "Time from sending a request upstream to receiving its response header, per attempt", {{"route", route}}));
    for (std::size_t o = 0; o < unauthorized_outcome_count; ++o)
        unauthorized_[o] = &add_counter(r, "litmus_proxy_unauthorized_retries_total",
                                        "Upstream 401 answers to the proxy's token, by what followed",
                                        {{"outcome", std::string(to_string(static_cast<unauthorized_outcome>(o)))}});
    local_replies_.resize(static_cast<std::size_t>(last_errc) + 1, nullptr);
    for (int e = 1; e <= static_cast<int>(last_errc); ++e)
        local_replies_[static_cast<std::size_t>(e)] =
            &add_counter(r, "litmus_proxy_local_replies_total", "Error replies produced by the proxy itself, by reason",
                         {{"reason", std::string(name_of(static_cast<errc>(e)))}});
}

}  // namespace litmus::forward

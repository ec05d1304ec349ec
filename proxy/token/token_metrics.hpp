#pragma once
// The token source's metrics (litmus_proxy_token_*), registered once in the
// process registry. Label values known at start (grant x outcome) are
// created up front so that a fetch never looks up a family.

#include "proxy/core/error.hpp"
#include "proxy/token/token_response.hpp"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace litmus::token {

/// Outcome of one token endpoint call, the `outcome` label.
enum class fetch_outcome { success, rejected, refresh_refused, failed, bad_response };
inline constexpr std::size_t fetch_outcome_count = 5;
fetch_outcome outcome_of(errc e) noexcept;
std::string_view to_string(fetch_outcome o) noexcept;

/// Thread-safe: prometheus-cpp metrics are atomic. Several token sources may
/// share one (they then add up): the users' token sources share one named
/// with the prefix "litmus_proxy_user_token", apart from the proxy's own.
class token_metrics {
public:
    /// Every family is named `prefix` + "_fetches_total" and so on.
    explicit token_metrics(prometheus::Registry& r, const std::string& prefix = "litmus_proxy_token");

    prometheus::Counter& fetch(grant_kind g, fetch_outcome o) noexcept
    {
        return *fetches_[static_cast<std::size_t>(g)][static_cast<std::size_t>(o)];
    }
    prometheus::Histogram& fetch_duration_seconds;  ///< one token endpoint call, any outcome
    prometheus::Counter& invalidations;             ///< current token dropped after an upstream 401
    prometheus::Counter& waits;                     ///< requests that had to wait for a token
    prometheus::Histogram& wait_seconds;            ///< how long those waits took
    prometheus::Gauge& lifetime_seconds;            ///< lifetime of the current token when it was obtained

private:
    std::array<std::array<prometheus::Counter*, fetch_outcome_count>, 3> fetches_{};
};

/// litmus_proxy_token_expires_in_seconds, computed when scraped: a gauge set
/// at fetch time would only say what the remaining life was then.
/// `seconds_left` is called on the scraping thread, so it must be
/// thread-safe (token_source::seconds_until_expiry is).
class token_expiry_metric : public prometheus::Collectable {
public:
    explicit token_expiry_metric(std::function<double()> seconds_left) : seconds_left_(std::move(seconds_left)) {}
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    std::function<double()> seconds_left_;
};

}  // namespace litmus::token

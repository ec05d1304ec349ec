#pragma once
// Every metric the proxy exports, declared once, Prometheus-named
// (litmus_proxy_<thing>_<unit|total>). Counters for label values known at
// start are created up front so the data path never looks up a family.
// Thread-safe: prometheus-cpp metrics are atomic.

#include "proxy/core/error.hpp"
#include "proxy/token/token_response.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace litmus::admin {

/// Outcome of one token endpoint call, the `outcome` label.
enum class fetch_outcome { success, rejected, refresh_refused, failed, bad_response };
inline constexpr std::size_t fetch_outcome_count = 5;
fetch_outcome outcome_of(errc e) noexcept;

class proxy_metrics {
    // First: every reference member below is initialised from it.
    std::shared_ptr<prometheus::Registry> registry_;

public:
    /// `routes` are the upstream names, the `route` label of request metrics.
    explicit proxy_metrics(const std::vector<std::string>& routes);

    prometheus::Registry& registry() noexcept { return *registry_; }
    std::string serialize() const;  ///< Prometheus text format

    // token source
    prometheus::Counter& token_fetch(token::grant_kind g, fetch_outcome o) noexcept
    {
        return *token_fetches_[static_cast<std::size_t>(g)][static_cast<std::size_t>(o)];
    }
    prometheus::Counter& token_invalidations;  ///< current token dropped after an upstream 401
    prometheus::Counter& token_waits;          ///< requests that had to wait for a token
    prometheus::Histogram& token_wait_seconds; ///< how long those waits took
    prometheus::Gauge& token_lifetime_seconds;   ///< lifetime of the current token when it was obtained

    // requests
    prometheus::Counter& request(std::size_t route, unsigned status) noexcept;
    prometheus::Counter& local_reply(errc e) noexcept;  ///< error replies produced by the proxy itself
    prometheus::Counter& retries_unauthorized;  ///< requests replayed after an upstream 401
    prometheus::Counter& retries_stale_connection;  ///< replayed after a reused connection failed
    prometheus::Counter& unauthorized_passed_through;  ///< a second 401, or a streamed request's 401
    prometheus::Histogram& request_duration_seconds;

    // upstream connections
    prometheus::Counter& upstream_connects;
    prometheus::Counter& upstream_connect_failures;
    prometheus::Counter& upstream_reuses;
    prometheus::Counter& upstream_idle_discarded;

private:
    std::array<std::array<prometheus::Counter*, fetch_outcome_count>, 3> token_fetches_{};
    std::vector<std::array<prometheus::Counter*, 5>> requests_;  // [route][status class 1..5]
    std::vector<prometheus::Counter*> local_replies_;            // by errc value
};

}  // namespace litmus::admin

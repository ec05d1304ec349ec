#pragma once
// The forwarder's metrics: upstream response times by route, what followed
// an upstream 401, stale-connection retries and the proxy's own error
// replies. Label values known at start (routes, outcomes, reasons) are
// created up front so that a request never looks up a family.

#include "proxy/core/error.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::forward {

/// What became of a request whose upstream answered 401 to the proxy's
/// token, the `outcome` label of litmus_proxy_unauthorized_retries_total.
enum class unauthorized_outcome {
    succeeded,           ///< replayed with a fresh token; the upstream answered other than 401
    unauthorized_again,  ///< replayed; the upstream answered 401 again (passed to the client)
    token_unavailable,   ///< no fresh token came in time for the replay (503 to the client)
    upstream_failed,     ///< replayed; the upstream gave no answer (502/504 to the client)
    not_retried,         ///< passed to the client without a replay: a streamed body, or the one
                         ///< retry already spent on a stale connection
};
inline constexpr std::size_t unauthorized_outcome_count = 5;
std::string_view to_string(unauthorized_outcome o) noexcept;

/// Thread-safe: prometheus-cpp metrics are atomic.
class forward_metrics {
public:
    /// `routes` are the upstream names, indexed like proxy_services::pools.
    forward_metrics(prometheus::Registry& r, const std::vector<std::string>& routes);

    /// From sending a request upstream to its response header (each attempt).
    prometheus::Histogram& upstream_response_duration(std::size_t route) noexcept
    {
        return *upstream_response_duration_[route];
    }
    prometheus::Counter& unauthorized(unauthorized_outcome o) noexcept
    {
        return *unauthorized_[static_cast<std::size_t>(o)];
    }
    prometheus::Counter& local_reply(errc e) noexcept { return *local_replies_[static_cast<std::size_t>(e)]; }
    prometheus::Counter& stale_connection_retries;  ///< replayed after a reused connection failed

private:
    std::vector<prometheus::Histogram*> upstream_response_duration_;
    std::array<prometheus::Counter*, unauthorized_outcome_count> unauthorized_{};
    std::vector<prometheus::Counter*> local_replies_;  // by errc value
};

}  // namespace litmus::forward

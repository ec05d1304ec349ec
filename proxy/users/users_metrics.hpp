#pragma once
// The users feature's metrics (litmus_proxy_user_*), registered once in the
// process registry; every label value is created up front. Never a user key
// as a label: a fleet's users would make the series unbounded.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace litmus::users {

/// How an authorization went, from POST /_litmus/oauth/authorize to its callback.
enum class authorization_outcome { started, completed, denied, failed };
/// How a code exchange at the token endpoint went.
enum class exchange_outcome { success, refused, failed };
/// How a user's refresh went: `already_refreshed` = another request or
/// replica had refreshed the row first, and its tokens were used.
enum class refresh_outcome_kind { success, refused, failed, already_refreshed };
/// The user store's operations, the `operation` label of the latency.
enum class store_operation { get, put, erase, mark_reauthorization_required, refresh_locked };

std::string_view to_string(authorization_outcome o) noexcept;
std::string_view to_string(exchange_outcome o) noexcept;
std::string_view to_string(refresh_outcome_kind o) noexcept;
std::string_view to_string(store_operation o) noexcept;

/// Thread-safe: prometheus-cpp metrics are atomic.
class users_metrics {
public:
    explicit users_metrics(prometheus::Registry& r);

    prometheus::Counter& authorization(authorization_outcome o) noexcept
    {
        return *authorizations_[static_cast<std::size_t>(o)];
    }
    prometheus::Counter& code_exchange(exchange_outcome o) noexcept
    {
        return *code_exchanges_[static_cast<std::size_t>(o)];
    }
    prometheus::Counter& refresh(refresh_outcome_kind o) noexcept { return *refreshes_[static_cast<std::size_t>(o)]; }
    /// Store latency, store I/O including the worker's queue (for
    /// refresh_locked, the refresh it holds the lock for too).
    prometheus::Histogram& store_seconds(store_operation o) noexcept
    {
        return *store_seconds_[static_cast<std::size_t>(o)];
    }
    prometheus::Counter& reauthorization_required;  ///< users Litmus refused a refresh token for
    prometheus::Gauge& users_loaded;                ///< users with a token source in memory now

private:
    std::array<prometheus::Counter*, 4> authorizations_{};
    std::array<prometheus::Counter*, 3> code_exchanges_{};
    std::array<prometheus::Counter*, 4> refreshes_{};
    std::array<prometheus::Histogram*, 5> store_seconds_{};
};

}  // namespace litmus::users

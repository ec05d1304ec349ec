#include "proxy/users/users_metrics.hpp"

#include "proxy/core/metric_builders.hpp"

namespace litmus::users {

std::string_view to_string(authorization_outcome o) noexcept
{
    switch (o) {
    case authorization_outcome::started: return "started";
    case authorization_outcome::completed: return "completed";
    case authorization_outcome::denied: return "denied";
    case authorization_outcome::failed: return "failed";
    }
    return "failed";
}

std::string_view to_string(exchange_outcome o) noexcept
{
    switch (o) {
    case exchange_outcome::success: return "success";
    case exchange_outcome::refused: return "refused";
    case exchange_outcome::failed: return "failed";
    }
    return "failed";
}

std::string_view to_string(refresh_outcome_kind o) noexcept
{
    switch (o) {
    case refresh_outcome_kind::success: return "success";
    case refresh_outcome_kind::refused: return "refused";
    case refresh_outcome_kind::failed: return "failed";
    case refresh_outcome_kind::already_refreshed: return "already_refreshed";
    }
    return "failed";
}

std::string_view to_string(store_operation o) noexcept
{
    switch (o) {
    case store_operation::get: return "get";
    case store_operation::put: return "put";
    case store_operation::erase: return "erase";
    case store_operation::mark_reauthorization_required: return "mark_reauthorization_required";
    case store_operation::refresh_locked: return "refresh_locked";
    }
    return "get";
}

users_metrics::users_metrics(prometheus::Registry& r)
    : reauthorization_required(add_counter(r, "litmus_proxy_users_reauthorization_required_total",
                                           "Users marked as needing a new authorization after Litmus refused "
                                           "their refresh token")),
      users_loaded(add_gauge(r, "litmus_proxy_users_loaded", "Users whose token is held in memory now"))
{
    for (std::size_t i = 0; i < authorizations_.size(); ++i)
        authorizations_[i] = &add_counter(
            r, "litmus_proxy_user_authorizations_total",
            "Authorizations started (POST /_litmus/oauth/authorize) and how their callbacks ended",
            {{"outcome", std::string(to_string(static_cast<authorization_outcome>(i)))}});
    for (std::size_t i = 0; i < code_exchanges_.size(); ++i)
        code_exchanges_[i] = &add_counter(r, "litmus_proxy_user_code_exchanges_total",
                                          "Authorization codes exchanged at the token endpoint, by outcome",
                                          {{"outcome", std::string(to_string(static_cast<exchange_outcome>(i)))}});
    for (std::size_t i = 0; i < refreshes_.size(); ++i)
        refreshes_[i] = &add_counter(r, "litmus_proxy_user_refreshes_total",
                                     "Refreshes of users' tokens, by outcome",
                                     {{"outcome", std::string(to_string(static_cast<refresh_outcome_kind>(i)))}});
    for (std::size_t i = 0; i < store_seconds_.size(); ++i)
        store_seconds_[i] = &add_latency_histogram(
            r, "litmus_proxy_user_store_seconds", "Duration of user store operations",
            {{"operation", std::string(to_string(static_cast<store_operation>(i)))}});
}

}  // namespace litmus::users

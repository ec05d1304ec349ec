#pragma once
// A user_store that times every operation of the store it wraps into
// litmus_proxy_user_store_seconds{operation}: the proxy talks to its store
// through this, so store latency is measured in one place whatever the
// backend.

#include "proxy/users/user_store.hpp"
#include "proxy/users/users_metrics.hpp"

#include <memory>

namespace litmus::users {

/// Thread-safe as the wrapped store is.
class timed_user_store final : public user_store {
public:
    timed_user_store(std::unique_ptr<user_store> inner, users_metrics& metrics)
        : inner_(std::move(inner)), metrics_(metrics)
    {
    }

    net::awaitable<store_result<std::optional<user_record>>> get(std::string user) override;
    net::awaitable<store_result<user_record>> put(user_record record) override;
    net::awaitable<store_result<bool>> erase(std::string user) override;
    net::awaitable<store_result<bool>> mark_reauthorization_required(std::string user) override;
    net::awaitable<store_result<refresh_outcome>> refresh_locked(std::string user, std::uint64_t seen_revision,
                                                                 refresh_fn refresh) override;

private:
    std::unique_ptr<user_store> inner_;
    users_metrics& metrics_;
};

}  // namespace litmus::users

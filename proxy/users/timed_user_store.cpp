#include "proxy/users/timed_user_store.hpp"

#include <chrono>

namespace litmus::users {

namespace {

// Observes the time from construction to destruction: the operation's,
// however it ends.
class stopwatch {
public:
    explicit stopwatch(prometheus::Histogram& h) : h_(h) {}
    ~stopwatch() { h_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()); }
    stopwatch(const stopwatch&) = delete;
    stopwatch& operator=(const stopwatch&) = delete;

private:
    prometheus::Histogram& h_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace

net::awaitable<store_result<std::optional<user_record>>> timed_user_store::get(std::string user)
{
    stopwatch w(metrics_.store_seconds(store_operation::get));
    co_return co_await inner_->get(std::move(user));
}

net::awaitable<store_result<user_record>> timed_user_store::put(user_record record)
{
    stopwatch w(metrics_.store_seconds(store_operation::put));
    co_return co_await inner_->put(std::move(record));
}

net::awaitable<store_result<bool>> timed_user_store::erase(std::string user)
{
    stopwatch w(metrics_.store_seconds(store_operation::erase));
    co_return co_await inner_->erase(std::move(user));
}

net::awaitable<store_result<bool>> timed_user_store::mark_reauthorization_required(std::string user)
{
    stopwatch w(metrics_.store_seconds(store_operation::mark_reauthorization_required));
    co_return co_await inner_->mark_reauthorization_required(std::move(user));
}

net::awaitable<store_result<refresh_outcome>> timed_user_store::refresh_locked(std::string user,
                                                                             std::uint64_t seen_revision,
                                                                             refresh_fn refresh)
{
    stopwatch w(metrics_.store_seconds(store_operation::refresh_locked));
    co_return co_await inner_->refresh_locked(std::move(user), seen_revision, std::move(refresh));
}

}  // namespace litmus::users

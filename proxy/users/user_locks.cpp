#include "proxy/users/user_locks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace litmus::users {

namespace net = boost::asio;

net::awaitable<std::optional<user_locks::guard>> user_locks::lock(std::string user)
{
    auto self = std::make_shared<waiter>(co_await net::this_coro::executor);
    // A timer parked at max() as a condition variable; unlock() latches it
    // at min(), which also completes a wait that starts only after that.
    self->wake.expires_at(net::steady_timer::time_point::max());
    {
        std::lock_guard lk(mutex_);
        auto [it, first] = held_.try_emplace(user);
        if (first)
            co_return guard(this, std::move(user));
        it->second.push_back(self);
    }
    co_await self->wake.async_wait(net::as_tuple(net::use_awaitable));
    std::lock_guard lk(mutex_);
    if (self->granted)
        co_return guard(this, std::move(user));
    // Cancelled by our caller: leave the queue without the lock.
    auto& queue = held_[user];
    std::erase_if(queue, [&](const std::weak_ptr<waiter>& w) { return w.lock() == self; });
    co_return std::nullopt;
}

void user_locks::unlock(const std::string& user)
{
    std::lock_guard lk(mutex_);
    auto it = held_.find(user);
    if (it == held_.end())
        return;
    auto& queue = it->second;
    while (!queue.empty()) {
        auto next = queue.front().lock();
        queue.pop_front();
        if (!next)
            continue;  // its coroutine is gone
        next->granted = true;
        // The timer belongs to the waiter's executor: touch it there only.
        net::post(next->wake.get_executor(),
                  [next] { next->wake.expires_at(net::steady_timer::time_point::min()); });
        return;
    }
    held_.erase(it);
}

std::size_t user_locks::held() const
{
    std::lock_guard lk(mutex_);
    return held_.size();
}

}  // namespace litmus::users

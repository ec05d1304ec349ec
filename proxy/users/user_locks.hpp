#pragma once
// An asynchronous mutex per user key, for stores whose file one process owns
// (SQLite): refresh_locked() holds it while the refresh runs on the caller's
// executor, so two refreshes of one user in this process never overlap, and
// the other users' refreshes are not held up. A store shared by processes
// (PostgreSQL) needs a database lock instead.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace litmus::users {

/// Thread-safe across executors; each lock() must be awaited on a
/// single-threaded executor or a strand (its wake-up timer is touched through
/// that executor). Waiters are served in arrival order.
class user_locks {
public:
    /// Holds one user's lock; releasing it (destruction) hands the lock to
    /// the next waiter. Movable.
    class guard {
    public:
        guard(user_locks* owner, std::string user) : owner_(owner), user_(std::move(user)) {}
        guard(guard&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), user_(std::move(other.user_)) {}
        guard& operator=(guard&&) = delete;
        ~guard()
        {
            if (owner_)
                owner_->unlock(user_);
        }

    private:
        user_locks* owner_;
        std::string user_;
    };

    /// Waits until `user`'s lock is free and takes it. nullopt when the wait
    /// was cancelled (the lock is then not taken). A waiting coroutine that
    /// is destroyed without resuming gives up its place.
    boost::asio::awaitable<std::optional<guard>> lock(std::string user);

    /// Number of users whose lock is held (for tests).
    std::size_t held() const;

private:
    struct waiter {
        explicit waiter(const boost::asio::any_io_executor& ex) : wake(ex) {}
        boost::asio::steady_timer wake;  ///< set to min() (on its executor) to hand the lock over
        bool granted = false;            ///< guarded by mutex_
    };

    void unlock(const std::string& user);

    mutable std::mutex mutex_;
    /// Present: the user's lock is held; the queue holds who waits for it.
    std::map<std::string, std::deque<std::weak_ptr<waiter>>> held_;
};

}  // namespace litmus::users

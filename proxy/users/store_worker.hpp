#pragma once
// The thread a store's blocking I/O runs on, so that the caller's event loop
// never waits on a disk or a database: run() hands a function to the worker
// and resumes the awaiting coroutine on its own executor with the result.

#include "proxy/users/user_store.hpp"

#include "proxy/core/log.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <type_traits>

namespace litmus::users {

/// One thread (a SQLite connection is used from one thread at a time, and one
/// thread needs no locking around it). Functions run in submission order.
/// Thread-safe. Destruction waits for the functions already submitted.
class store_worker {
public:
    store_worker() = default;
    ~store_worker() { pool_.join(); }
    store_worker(const store_worker&) = delete;
    store_worker& operator=(const store_worker&) = delete;

    /// Runs `fn` (returning a store_result) on the worker thread; the
    /// awaiting coroutine resumes on its own executor. An exception from `fn`
    /// is logged and becomes store_errc::unavailable.
    template <class Fn>
    net::awaitable<std::invoke_result_t<Fn&>> run(Fn fn)
    {
        using result_type = std::invoke_result_t<Fn&>;
        auto initiate = [this](auto handler, Fn f) {
            auto work = net::make_work_guard(net::get_associated_executor(handler));
            net::post(pool_, [f = std::move(f), handler = std::move(handler), work = std::move(work)]() mutable {
                result_type r = call(f);
                auto caller = work.get_executor();
                // The guard travels with the completion and is released on
                // the caller's thread: released here, after the post, it
                // could touch the caller's io_context while that thread,
                // having run the completion, destroys it.
                net::post(caller, [handler = std::move(handler), r = std::move(r), work = std::move(work)]() mutable {
                    std::move(handler)(std::move(r));
                });
            });
        };
        return net::async_initiate<const net::use_awaitable_t<>&, void(result_type)>(initiate, net::use_awaitable,
                                                                                       std::move(fn));
    }

private:
    template <class Fn>
    static std::invoke_result_t<Fn&> call(Fn& fn) noexcept
    {
        try {
            return fn();
        } catch (const std::exception& e) {
            log::error("user_store_failed", {{"reason", e.what()}});
        } catch (...) {
            log::error("user_store_failed", {{"reason", "unknown exception"}});
        }
        return std::invoke_result_t<Fn&>(boost::system::in_place_error, make_error_code(store_errc::unavailable));
    }

    net::thread_pool pool_{1};
};

}  // namespace litmus::users

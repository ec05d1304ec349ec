// The per-user asynchronous lock: users do not wait for each other, one
// user's waiters are served in order, and a cancelled waiter leaves the
// queue without taking the lock.

#include "proxy/users/user_locks.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <vector>

namespace litmus::users {

namespace net = boost::asio;

namespace {

/// Takes `user`'s lock, records `id`, yields to the loop once while holding
/// it, then releases it.
net::awaitable<void> hold(user_locks& locks, std::string user, int id, std::vector<int>& order)
{
    auto held = co_await locks.lock(user);
    BOOST_TEST_REQUIRE(held.has_value());
    order.push_back(id);
    co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
    order.push_back(-id);
}

void no_exception(std::exception_ptr e)
{
    BOOST_TEST(!e);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(user_locks_test)

BOOST_AUTO_TEST_CASE(one_users_holders_take_turns_in_arrival_order)
{
    net::io_context ctx;
    user_locks locks;
    std::vector<int> order;
    for (int id = 1; id <= 3; ++id)
        net::co_spawn(ctx, hold(locks, "alice", id, order), no_exception);
    ctx.run();
    BOOST_TEST(order == (std::vector<int>{1, -1, 2, -2, 3, -3}));
    BOOST_TEST(locks.held() == 0u);
}

BOOST_AUTO_TEST_CASE(different_users_do_not_wait_for_each_other)
{
    net::io_context ctx;
    user_locks locks;
    std::vector<int> order;
    net::co_spawn(ctx, hold(locks, "alice", 1, order), no_exception);
    net::co_spawn(ctx, hold(locks, "bob", 2, order), no_exception);
    ctx.run();
    BOOST_TEST(order == (std::vector<int>{1, 2, -1, -2}));
    BOOST_TEST(locks.held() == 0u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiter_gives_up_its_place_without_the_lock)
{
    net::io_context ctx;
    user_locks locks;
    std::optional<user_locks::guard> holder;
    net::co_spawn(ctx, locks.lock("alice"), [&](std::exception_ptr e, std::optional<user_locks::guard> g) {
        BOOST_TEST(!e);
        holder.emplace(std::move(*g));
    });
    ctx.run();
    BOOST_TEST_REQUIRE(holder.has_value());

    net::cancellation_signal cancel;
    bool waiter_done = false;
    bool waiter_got_lock = true;
    net::co_spawn(ctx, locks.lock("alice"),
                  net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, std::optional<user_locks::guard> g) {
                      BOOST_TEST(!e);
                      waiter_done = true;
                      waiter_got_lock = g.has_value();
                  }));
    ctx.restart();
    ctx.poll();
    BOOST_TEST(!waiter_done, "the lock is held: the waiter waits");
    cancel.emit(net::cancellation_type::terminal);
    ctx.restart();
    ctx.run();
    BOOST_TEST(waiter_done);
    BOOST_TEST(!waiter_got_lock);

    holder.reset();
    BOOST_TEST(locks.held() == 0u, "released with nobody left waiting");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

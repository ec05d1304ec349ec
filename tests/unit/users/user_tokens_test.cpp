// The users' token sources over a store kept in memory: who may be served,
// tokens served from the stored row without a fetch, refreshes that go
// through the store's single flight (another replica's refresh is used, not
// repeated), a refused refresh ending in reauthorization_required, and idle
// sources released on an injected clock.

#include "proxy/users/user_tokens.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <map>

namespace litmus::users {

namespace {

constexpr std::int64_t wall_now = 1'800'000'000;  // the injected wall clock: fixed

// A user_store in memory with the contract's refresh_locked(): the refresh
// runs only when the row still has the revision the caller saw.
class memory_store final : public user_store {
public:
    std::map<std::string, user_record> rows;
    bool down = false;

    net::awaitable<store_result<std::optional<user_record>>> get(std::string user) override
    {
        if (down)
            co_return make_error_code(store_errc::unavailable);
        auto it = rows.find(user);
        co_return it == rows.end() ? std::nullopt : std::optional<user_record>(it->second);
    }
    net::awaitable<store_result<user_record>> put(user_record r) override
    {
        r.revision = rows.count(r.user) ? rows[r.user].revision + 1 : 1;
        rows[r.user] = r;
        co_return r;
    }
    net::awaitable<store_result<bool>> erase(std::string user) override { co_return rows.erase(user) > 0; }
    net::awaitable<store_result<bool>> mark_reauthorization_required(std::string user) override
    {
        if (!rows.count(user))
            co_return false;
        rows[user].reauthorization_required = true;
        co_return true;
    }
    net::awaitable<store_result<refresh_outcome>> refresh_locked(std::string user, std::uint64_t seen,
                                                                 refresh_fn refresh) override
    {
        if (down)
            co_return make_error_code(store_errc::unavailable);
        auto it = rows.find(user);
        if (it == rows.end())
            co_return refresh_outcome{};
        if (it->second.revision != seen || it->second.reauthorization_required)
            co_return refresh_outcome{it->second, false};
        auto next = co_await refresh(it->second);
        if (!next)
            co_return next.error();
        auto stored = co_await put(*next);
        co_return refresh_outcome{*stored, true};
    }
};

user_record row(std::string user, std::string access, std::int64_t expires_in, std::string refresh)
{
    user_record r;
    r.user = std::move(user);
    r.access_token = std::move(access);
    r.access_expires_at = wall_now + expires_in;
    r.refresh_token = std::move(refresh);
    r.revision = 1;
    return r;
}

// The token endpoint as a script: counts the refresh grants it got and
// answers each with the next result.
struct scripted_endpoint {
    std::vector<std::string> refresh_tokens_seen;
    std::vector<token::fetch_result> answers;

    user_tokens::fetch_fn fn()
    {
        return [this](token::token_grant g) -> net::awaitable<token::fetch_result> {
            refresh_tokens_seen.push_back(g.refresh_token);
            auto r = answers.at(refresh_tokens_seen.size() - 1);
            co_return r;
        };
    }
};

token::token_response issued(std::string access, std::chrono::seconds lifetime, std::string refresh)
{
    token::token_response r;
    r.access_token = std::move(access);
    r.lifetime = lifetime;
    r.refresh_token = std::move(refresh);
    return r;
}

struct fixture {
    net::io_context ioc;
    config::token_config cfg;
    prometheus::Registry registry;
    token::token_metrics token_metrics{registry, "test_user_token"};
    users_metrics metrics{registry};
    memory_store store;
    scripted_endpoint endpoint;
    std::chrono::steady_clock::time_point steady = std::chrono::steady_clock::now();
    user_tokens tokens{ioc.get_executor(), cfg, store, endpoint.fn(), token_metrics, metrics,
                       [] { return wall_now; }, [this] { return steady; }, std::chrono::minutes(15)};

    // Runs `scenario` to its end, then stops every source and lets their
    // loops finish, as the proxy does at shutdown.
    void run(std::function<net::awaitable<void>()> scenario)
    {
        bool done = false;
        net::co_spawn(ioc, [&]() -> net::awaitable<void> {
            co_await scenario();
            done = true;
            tokens.stop();
        }, [](std::exception_ptr e) { BOOST_TEST(!e); });
        ioc.run_for(std::chrono::seconds(20));
        BOOST_TEST(done);
    }

    // A token for `user`, or the error, as a request gets it.
    net::awaitable<boost::system::result<std::string, errc>> token_for(std::string user)
    {
        auto s = co_await tokens.source_for(user);
        if (!s)
            co_return s.error();
        auto t = co_await (*s)->tokens().get();
        if (!t)
            co_return t.error();
        co_return (*t)->authorization;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(user_tokens_test)

BOOST_FIXTURE_TEST_CASE(who_may_be_served, fixture)
{
    auto flagged = row("carol", "AT-carol", 3600, "RT-carol");
    flagged.reauthorization_required = true;
    store.rows["carol"] = flagged;
    store.rows["dave"] = row("dave", "AT-dave", -10, "");  // expired, nothing to refresh with
    run([&]() -> net::awaitable<void> {
        auto unknown = co_await token_for("bob");
        BOOST_TEST((unknown.error() == errc::user_not_connected));
        auto reauth = co_await token_for("carol");
        BOOST_TEST((reauth.error() == errc::reauthorization_required));
        auto expired = co_await token_for("dave");
        BOOST_TEST((expired.error() == errc::user_not_connected));
        store.down = true;
        auto down = co_await token_for("erin");
        BOOST_TEST((down.error() == errc::store_unavailable));
    });
    BOOST_TEST(endpoint.refresh_tokens_seen.empty());
}

BOOST_FIXTURE_TEST_CASE(a_stored_token_is_served_without_a_fetch, fixture)
{
    store.rows["alice"] = row("alice", "AT-alice", 3600, "RT-alice");
    run([&]() -> net::awaitable<void> {
        auto first = co_await token_for("alice");
        BOOST_TEST(first.value() == "Bearer AT-alice");
        // In memory now: the store is not asked again.
        store.down = true;
        auto second = co_await token_for("alice");
        BOOST_TEST(second.value() == "Bearer AT-alice");
        BOOST_TEST(tokens.size() == 1u);
    });
    BOOST_TEST(endpoint.refresh_tokens_seen.empty());
}

BOOST_FIXTURE_TEST_CASE(an_expired_token_is_refreshed_and_the_rotation_stored, fixture)
{
    store.rows["alice"] = row("alice", "AT-old", 0, "RT-1");
    endpoint.answers.push_back(issued("AT-new", std::chrono::seconds(7200), "RT-2"));
    run([&]() -> net::awaitable<void> {
        auto t = co_await token_for("alice");
        BOOST_TEST(t.value() == "Bearer AT-new");
    });
    BOOST_TEST(endpoint.refresh_tokens_seen == std::vector<std::string>{"RT-1"});
    BOOST_TEST(store.rows["alice"].access_token == "AT-new");
    BOOST_TEST(store.rows["alice"].refresh_token == "RT-2");
    BOOST_TEST(store.rows["alice"].access_expires_at == wall_now + 7200);
    BOOST_TEST(store.rows["alice"].revision == 2u);
    BOOST_TEST(metrics.refresh(refresh_outcome_kind::success).Value() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(another_replicas_refresh_is_used_not_repeated, fixture)
{
    store.rows["alice"] = row("alice", "AT-1", 3600, "RT-1");
    run([&]() -> net::awaitable<void> {
        auto s = co_await tokens.source_for("alice");
        auto t = co_await s.value()->tokens().get();
        BOOST_TEST(t.value()->authorization == "Bearer AT-1");
        // Meanwhile another replica refreshed: the row moved to revision 2.
        auto moved = row("alice", "AT-2", 3600, "RT-2");
        moved.revision = 2;
        store.rows["alice"] = moved;
        // The upstream refused AT-1 (401): the refresh finds the row moved on.
        s.value()->tokens().reject(**t);
        auto again = co_await s.value()->tokens().get();
        BOOST_TEST(again.value()->authorization == "Bearer AT-2");
    });
    BOOST_TEST(endpoint.refresh_tokens_seen.empty());
    BOOST_TEST(metrics.refresh(refresh_outcome_kind::already_refreshed).Value() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(a_refused_refresh_requires_reauthorization, fixture)
{
    store.rows["alice"] = row("alice", "AT-1", 0, "RT-revoked");
    endpoint.answers.push_back(token::token_failure{errc::refresh_refused, 400, "invalid_grant"});
    run([&]() -> net::awaitable<void> {
        auto t = co_await token_for("alice");
        BOOST_TEST((t.error() == errc::refresh_refused));
        // No second attempt while the user needs a new authorization.
        auto again = co_await token_for("alice");
        BOOST_TEST((again.error() == errc::refresh_refused));
    });
    BOOST_TEST(endpoint.refresh_tokens_seen.size() == 1u);
    BOOST_TEST(store.rows["alice"].reauthorization_required);
    BOOST_TEST(metrics.reauthorization_required.Value() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(a_new_authorization_replaces_the_held_tokens, fixture)
{
    store.rows["alice"] = row("alice", "AT-1", 3600, "RT-1");
    run([&]() -> net::awaitable<void> {
        BOOST_TEST((co_await token_for("alice")).value() == "Bearer AT-1");
        auto fresh = row("alice", "AT-9", 3600, "RT-9");
        fresh.revision = 5;
        tokens.adopt(fresh);
        BOOST_TEST((co_await token_for("alice")).value() == "Bearer AT-9");
        tokens.forget("alice");
        BOOST_TEST(tokens.size() == 0u);
    });
}

BOOST_FIXTURE_TEST_CASE(idle_sources_are_released_held_ones_kept, fixture)
{
    store.rows["alice"] = row("alice", "AT-a", 3600, "RT-a");
    store.rows["bob"] = row("bob", "AT-b", 3600, "RT-b");
    run([&]() -> net::awaitable<void> {
        auto held = co_await tokens.source_for("alice");
        (void)co_await tokens.source_for("bob");
        BOOST_TEST(tokens.size() == 2u);
        tokens.sweep(steady + std::chrono::minutes(14));
        BOOST_TEST(tokens.size() == 2u);
        // bob is idle for 15 minutes and held by no request; alice is held.
        tokens.sweep(steady + std::chrono::minutes(15));
        BOOST_TEST(tokens.size() == 1u);
        BOOST_TEST(held.value()->user() == "alice");
    });
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

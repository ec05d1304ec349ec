// Authorization states: random, single use, bound to the user and
// redirect_uri they were issued for, expiring after the ttl (injected
// clock), and bounded in number.

#include "proxy/users/oauth_state_store.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

namespace litmus::users {

namespace {

using namespace std::chrono_literals;
using clock_type = oauth_state_store::clock;

/// A store whose clock moves only when the test says so.
struct fixture {
    clock_type::time_point now = clock_type::time_point{} + 1000h;
    oauth_state_store make(std::chrono::milliseconds ttl = 600s, std::size_t cap = 100)
    {
        return oauth_state_store(ttl, cap, [this] { return now; });
    }
};

bool is_base64url(const std::string& s)
{
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oauth_state_store_test)

BOOST_FIXTURE_TEST_CASE(a_state_is_43_base64url_characters_and_never_repeats, fixture)
{
    auto store = make(600s, 1000);
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        auto state = store.issue("alice", "");
        BOOST_TEST_REQUIRE(state.has_value());
        // 32 random bytes = 256 bits, base64url without padding.
        BOOST_TEST(state->size() == 43u);
        BOOST_TEST(is_base64url(*state));
        BOOST_TEST(seen.insert(*state).second);
    }
    BOOST_TEST(store.size() == 200u);
}

BOOST_FIXTURE_TEST_CASE(take_returns_the_user_and_redirect_uri_it_was_issued_for, fixture)
{
    auto store = make();
    auto alice = store.issue("alice", "https://app.example/cb?x=1");
    auto bob = store.issue("bob@example.com", "");
    BOOST_TEST_REQUIRE(alice.has_value());
    BOOST_TEST_REQUIRE(bob.has_value());

    auto b = store.take(*bob);
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->user == "bob@example.com");
    BOOST_TEST(b->redirect_uri == "");
    auto a = store.take(*alice);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(a->user == "alice");
    BOOST_TEST(a->redirect_uri == "https://app.example/cb?x=1");
}

BOOST_FIXTURE_TEST_CASE(a_state_is_single_use, fixture)
{
    auto store = make();
    auto state = store.issue("alice", "");
    BOOST_TEST_REQUIRE(state.has_value());
    BOOST_TEST(store.take(*state).has_value());
    auto again = store.take(*state);
    BOOST_TEST_REQUIRE(again.has_error());
    BOOST_TEST((again.error() == state_error::invalid_state));
    BOOST_TEST(store.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(unknown_and_forged_states_are_invalid, fixture)
{
    auto store = make();
    auto state = store.issue("alice", "");
    BOOST_TEST_REQUIRE(state.has_value());
    for (std::string forged : {std::string(), std::string("x"), state->substr(0, 42), *state + "A"}) {
        auto r = store.take(forged);
        BOOST_TEST_REQUIRE(r.has_error());
        BOOST_TEST((r.error() == state_error::invalid_state));
    }
    // The forged attempts did not spend the real one.
    BOOST_TEST(store.take(*state).has_value());
}

BOOST_FIXTURE_TEST_CASE(a_state_expires_after_the_ttl_and_is_spent_by_the_attempt, fixture)
{
    auto store = make(600s);
    auto state = store.issue("alice", "");
    BOOST_TEST_REQUIRE(state.has_value());
    auto fresh = store.issue("bob", "");
    BOOST_TEST_REQUIRE(fresh.has_value());

    now += 599s;
    BOOST_TEST(store.take(*fresh).has_value());  // one second before expiry: usable
    now += 1s;
    auto late = store.take(*state);
    BOOST_TEST_REQUIRE(late.has_error());
    BOOST_TEST((late.error() == state_error::invalid_state));
    BOOST_TEST(store.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(the_ttl_is_reported_for_expires_in, fixture)
{
    BOOST_TEST(make(90s).ttl().count() == 90'000);
}

BOOST_FIXTURE_TEST_CASE(a_full_store_drops_expired_states_first_then_refuses, fixture)
{
    auto store = make(60s, 3);
    auto old1 = store.issue("a", "");
    now += 30s;
    auto old2 = store.issue("b", "");
    auto old3 = store.issue("c", "");
    BOOST_TEST_REQUIRE((old1 && old2 && old3));

    // Full, none expired: refused, and nothing issued is lost.
    auto refused = store.issue("d", "");
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST((refused.error() == state_error::too_many_pending));
    BOOST_TEST(store.size() == 3u);

    // The first one expires: its place is taken, the live ones are kept.
    now += 30s;
    auto d = store.issue("d", "");
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(store.size() == 3u);
    BOOST_TEST(store.take(*old1).has_error());
    BOOST_TEST(store.take(*old2)->user == "b");
    BOOST_TEST(store.take(*old3)->user == "c");
    BOOST_TEST(store.take(*d)->user == "d");
}

BOOST_FIXTURE_TEST_CASE(taking_a_state_frees_its_place, fixture)
{
    auto store = make(60s, 1);
    auto first = store.issue("a", "");
    BOOST_TEST_REQUIRE(first.has_value());
    BOOST_TEST(store.issue("b", "").has_error());
    BOOST_TEST(store.take(*first).has_value());
    BOOST_TEST(store.issue("b", "").has_value());
}

BOOST_AUTO_TEST_CASE(error_names_are_stable)
{
    BOOST_TEST(name_of(state_error::invalid_state) == "invalid_state");
    BOOST_TEST(name_of(state_error::too_many_pending) == "too_many_pending_authorizations");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

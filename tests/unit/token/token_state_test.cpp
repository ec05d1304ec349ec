#include "proxy/token/token_state.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::token {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

const clock::time_point t0 = clock::time_point{} + 1000h;

token_response answer(std::chrono::milliseconds lifetime, std::optional<std::string> refresh = {},
                      std::string access = "tok")
{
    token_response r;
    r.access_token = std::move(access);
    r.lifetime = lifetime;
    r.refresh_token = std::move(refresh);
    return r;
}

token_failure failure(errc code) { return {code, 0, "test"}; }

long long ms_between(clock::time_point a, clock::time_point b)
{
    return std::chrono::duration_cast<ms>(b - a).count();
}

struct fixture {
    config::token_config cfg;
    fixture() { cfg.refresh_jitter = 0; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(token_state_test)

BOOST_AUTO_TEST_CASE(refresh_point_is_a_fraction_of_the_lifetime_with_bounded_jitter)
{
    // 2 h token, 20% margin: refresh at 96 min, ±10% of the 24 min margin.
    BOOST_TEST(ms_between(t0, refresh_point(t0, 7200s, 0.2, 0.1, 0.5)) == ms(5760s).count());
    BOOST_TEST(ms_between(t0, refresh_point(t0, 7200s, 0.2, 0.1, 0.0)) == ms(5760s - 144s).count());
    BOOST_TEST(ms_between(t0, refresh_point(t0, 7200s, 0.2, 0.1, 0.999999)) <= ms(5760s + 144s).count());
    // A 60 s token is used for 48 s, not refreshed continuously.
    BOOST_TEST(ms_between(t0, refresh_point(t0, 60s, 0.2, 0.0, 0.5)) == 48'000);
    // A 2 s token still lives most of its life before it is replaced.
    BOOST_TEST(ms_between(t0, refresh_point(t0, 2s, 0.2, 0.0, 0.5)) == 1'600);
    // Even an extreme margin leaves a tenth of the lifetime of use.
    BOOST_TEST(ms_between(t0, refresh_point(t0, 10s, 0.9, 0.5, 0.0)) == 1'000);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_to_a_cap_with_equal_jitter)
{
    BOOST_TEST(backoff_delay(1, 500ms, 30s, 0.0).count() == 250);
    BOOST_TEST(backoff_delay(1, 500ms, 30s, 1.0).count() == 500);
    BOOST_TEST(backoff_delay(2, 500ms, 30s, 1.0).count() == 1000);
    BOOST_TEST(backoff_delay(3, 500ms, 30s, 1.0).count() == 2000);
    BOOST_TEST(backoff_delay(7, 500ms, 30s, 1.0).count() == 30000);
    BOOST_TEST(backoff_delay(1000, 500ms, 30s, 1.0).count() == 30000);
    BOOST_TEST(backoff_delay(1000, 500ms, 30s, 0.0).count() == 15000);
}

BOOST_FIXTURE_TEST_CASE(first_fetch_is_due_at_once_with_client_credentials, fixture)
{
    token_state s(cfg, token_grant{});
    BOOST_TEST(!s.usable(t0));
    BOOST_TEST((s.next_fetch_at(t0) == t0));
    BOOST_TEST((s.next_grant()->kind == grant_kind::client_credentials));
}

BOOST_FIXTURE_TEST_CASE(token_is_served_until_just_before_expiry_and_never_after, fixture)
{
    token_state s(cfg, token_grant{});
    s.on_fetch_succeeded(t0, answer(100s), 0.5);
    BOOST_TEST_REQUIRE(s.usable(t0));
    BOOST_TEST(s.usable(t0)->authorization == "Bearer tok");
    BOOST_TEST(s.usable(t0 + 94s));
    // Guard: 5% of the lifetime before expiry it is no longer handed out.
    BOOST_TEST(!s.usable(t0 + 95s));
    BOOST_TEST(!s.usable(t0 + 100s));
    BOOST_TEST(!s.usable(t0 + 1000h));
    // Next refresh at 80 s (20% margin, no jitter).
    BOOST_TEST(ms_between(t0, s.next_fetch_at(t0 + 1s)) == 80'000);
}

BOOST_FIXTURE_TEST_CASE(failures_back_off_while_the_old_token_keeps_serving, fixture)
{
    token_state s(cfg, token_grant{});
    s.on_fetch_succeeded(t0, answer(100s), 0.5);
    auto now = t0 + 80s;
    BOOST_TEST((s.next_fetch_at(now) == now));
    s.on_fetch_failed(now, failure(errc::token_endpoint_failed), 1.0);
    BOOST_TEST(ms_between(now, s.next_fetch_at(now)) == 500);
    BOOST_TEST(s.usable(now + 1s));
    now += 500ms;
    s.on_fetch_failed(now, failure(errc::token_endpoint_failed), 1.0);
    BOOST_TEST(ms_between(now, s.next_fetch_at(now)) == 1000);
    now += 1s;
    s.on_fetch_failed(now, failure(errc::token_bad_response), 1.0);
    BOOST_TEST(ms_between(now, s.next_fetch_at(now)) == 2000);
    BOOST_TEST(s.consecutive_failures() == 3u);
    // The endpoint is still down when the token runs out: nothing is served.
    BOOST_TEST(!s.usable(t0 + 96s));
    // Recovery resets the backoff.
    s.on_fetch_succeeded(t0 + 120s, answer(100s, {}, "tok2"), 0.5);
    BOOST_TEST(s.consecutive_failures() == 0u);
    BOOST_TEST(s.usable(t0 + 121s)->authorization == "Bearer tok2");
    BOOST_TEST(ms_between(t0 + 120s, s.next_fetch_at(t0 + 121s)) == 80'000);
}

BOOST_FIXTURE_TEST_CASE(a_waiting_request_cannot_bypass_backoff, fixture)
{
    token_state s(cfg, token_grant{});
    s.on_fetch_failed(t0, failure(errc::token_endpoint_failed), 1.0);
    s.on_token_wanted();
    BOOST_TEST(ms_between(t0, s.next_fetch_at(t0)) == 500);
    BOOST_TEST((s.next_fetch_at(t0 + 600ms) == t0 + 600ms));
}

BOOST_FIXTURE_TEST_CASE(refresh_tokens_are_used_rotated_and_dropped_when_refused, fixture)
{
    token_state s(cfg, token_grant{});
    s.on_fetch_succeeded(t0, answer(100s, "r1"), 0.5);
    BOOST_TEST((s.next_grant()->kind == grant_kind::refresh_token));
    BOOST_TEST(s.next_grant()->refresh_token == "r1");
    // Rotation: the newest refresh token is kept.
    s.on_fetch_succeeded(t0 + 80s, answer(100s, "r2"), 0.5);
    BOOST_TEST(s.next_grant()->refresh_token == "r2");
    // No refresh token in the answer: the old one stays (RFC 6749 §6).
    s.on_fetch_succeeded(t0 + 160s, answer(100s), 0.5);
    BOOST_TEST(s.next_grant()->refresh_token == "r2");
    // Refused: fall back to client credentials at once, without backoff.
    auto now = t0 + 240s;
    BOOST_TEST(!s.on_fetch_failed(now, failure(errc::refresh_refused), 0.5));
    BOOST_TEST((s.next_grant()->kind == grant_kind::client_credentials));
    BOOST_TEST((s.next_fetch_at(now) == now));
    BOOST_TEST(s.consecutive_failures() == 0u);
}

BOOST_FIXTURE_TEST_CASE(user_tokens_need_reauthorization_when_refresh_is_refused, fixture)
{
    token_state s(cfg, std::nullopt);
    BOOST_TEST(s.reauthorization_required());
    BOOST_TEST((s.next_fetch_at(t0) == clock::time_point::max()));
    s.on_fetch_succeeded(t0, answer(100s, "r1"), 0.5);
    BOOST_TEST(!s.reauthorization_required());
    s.on_fetch_failed(t0 + 80s, failure(errc::refresh_refused), 0.5);
    BOOST_TEST(s.reauthorization_required());
    BOOST_TEST(!s.next_grant());
}

BOOST_FIXTURE_TEST_CASE(credentials_rejection_is_reported_once, fixture)
{
    token_state s(cfg, token_grant{});
    BOOST_TEST(s.on_fetch_failed(t0, failure(errc::token_rejected), 0.5));
    BOOST_TEST(s.rejected());
    BOOST_TEST(!s.on_fetch_failed(t0 + 1s, failure(errc::token_rejected), 0.5));
    BOOST_TEST(!s.on_fetch_failed(t0 + 2s, failure(errc::token_endpoint_failed), 0.5));
    s.on_fetch_succeeded(t0 + 3s, answer(100s), 0.5);
    BOOST_TEST(!s.rejected());
    BOOST_TEST(s.on_fetch_failed(t0 + 200s, failure(errc::token_rejected), 0.5));
}

BOOST_FIXTURE_TEST_CASE(upstream_rejection_drops_only_the_current_generation, fixture)
{
    token_state s(cfg, token_grant{});
    s.on_fetch_succeeded(t0, answer(100s), 0.5);
    auto first = s.usable(t0 + 20s);
    BOOST_TEST_REQUIRE(first);
    BOOST_TEST(s.on_rejected_by_upstream(first->generation, t0 + 20s, 0.5));
    BOOST_TEST(!s.usable(t0 + 20s));
    BOOST_TEST((s.next_fetch_at(t0 + 20s) == t0 + 20s));
    // Other requests holding the same old token report it too: nothing more happens.
    BOOST_TEST(!s.on_rejected_by_upstream(first->generation, t0 + 20s, 0.5));
    s.on_fetch_succeeded(t0 + 21s, answer(100s), 0.5);
    BOOST_TEST(!s.on_rejected_by_upstream(first->generation, t0 + 22s, 0.5));
    BOOST_TEST(s.usable(t0 + 22s));
    BOOST_TEST(s.usable(t0 + 22s)->generation > first->generation);
}

BOOST_FIXTURE_TEST_CASE(tokens_refused_right_after_issue_back_off, fixture)
{
    token_state s(cfg, token_grant{});
    auto now = t0;
    s.on_fetch_succeeded(now, answer(100s), 0.5);
    // First quick rejection: re-fetched at once (a revocation can hit a new token).
    BOOST_TEST(s.on_rejected_by_upstream(s.generation(), now + 1s, 1.0));
    BOOST_TEST((s.next_fetch_at(now + 1s) == now + 1s));
    s.on_fetch_succeeded(now + 1s, answer(100s), 0.5);
    // Second and later: the endpoint issues tokens the API refuses; back off.
    BOOST_TEST(s.on_rejected_by_upstream(s.generation(), now + 2s, 1.0));
    BOOST_TEST(ms_between(now + 2s, s.next_fetch_at(now + 2s)) == 500);
    s.on_fetch_succeeded(now + 3s, answer(100s), 0.5);
    BOOST_TEST(s.on_rejected_by_upstream(s.generation(), now + 4s, 1.0));
    BOOST_TEST(ms_between(now + 4s, s.next_fetch_at(now + 4s)) == 1000);
    // A fetched token is served at once even though the streak continues.
    s.on_fetch_succeeded(now + 5s, answer(100s), 0.5);
    BOOST_TEST(s.usable(now + 5s));
    BOOST_TEST(ms_between(now + 5s, s.next_fetch_at(now + 5s)) == 80'000);
}

BOOST_FIXTURE_TEST_CASE(tokens_that_worked_and_were_then_revoked_never_back_off, fixture)
{
    // Each token earns a successful upstream answer and is revoked a second
    // later: every one proved the endpoint issues good tokens, so each
    // replacement is fetched at once, however many such revocations in a row.
    token_state s(cfg, token_grant{});
    auto now = t0;
    for (int i = 0; i < 8; ++i) {
        BOOST_TEST_CONTEXT("token " << i)
        {
            s.on_fetch_succeeded(now, answer(100s), 1.0);
            s.on_accepted_by_upstream(s.generation());
            now += 1s;
            BOOST_TEST(s.on_rejected_by_upstream(s.generation(), now, 1.0));
            BOOST_TEST((s.next_fetch_at(now) == now));
        }
    }
}

BOOST_FIXTURE_TEST_CASE(only_tokens_never_accepted_count_towards_the_backoff_streak, fixture)
{
    token_state s(cfg, token_grant{});
    auto now = t0;
    auto issue = [&] { s.on_fetch_succeeded(now, answer(100s), 1.0); };
    auto refuse = [&] {
        now += 1s;
        BOOST_TEST(s.on_rejected_by_upstream(s.generation(), now, 1.0));
        return ms_between(now, s.next_fetch_at(now));
    };
    // Two tokens refused without a single success: the second backs off.
    issue();
    BOOST_TEST(refuse() == 0);
    issue();
    BOOST_TEST(refuse() == 500);
    // An answer to a token that is no longer current proves nothing about
    // the current one: it still counts.
    auto stale = s.generation();
    issue();
    s.on_accepted_by_upstream(stale);
    BOOST_TEST(refuse() == 1000);
    // A token that worked ends the streak: its revocation is fetched at once,
    // and so is the next never-accepted one (the first of a new streak).
    issue();
    s.on_accepted_by_upstream(s.generation());
    BOOST_TEST(refuse() == 0);
    issue();
    BOOST_TEST(refuse() == 0);
    issue();
    BOOST_TEST(refuse() == 500);
}

BOOST_FIXTURE_TEST_CASE(status_reports_the_token_life_left_and_the_last_failure_until_a_success, fixture)
{
    token_state s(cfg, token_grant{});
    auto before = s.status(t0);
    BOOST_TEST(!before.valid);
    BOOST_TEST(!before.failing.has_value());

    token_failure refused{errc::token_rejected, 401, "HTTP 401 invalid_client", "invalid_client"};
    s.on_fetch_failed(t0, refused, 0.5);
    auto failed = s.status(t0);
    BOOST_TEST(!failed.valid);
    BOOST_TEST_REQUIRE(failed.failing.has_value());
    BOOST_TEST((failed.failing->code == errc::token_rejected));
    BOOST_TEST(failed.failing->oauth_error == "invalid_client");

    // A success clears it; the life left counts down on the clock passed in.
    s.on_fetch_succeeded(t0 + 1s, answer(100s), 0.5);
    auto held = s.status(t0 + 31s);
    BOOST_TEST(held.valid);
    BOOST_TEST(!held.failing.has_value());
    BOOST_TEST(std::chrono::duration_cast<ms>(held.valid_for).count() == 70'000);

    // A failed refresh is reported while the token still serves...
    s.on_fetch_failed(t0 + 81s, failure(errc::token_endpoint_failed), 0.5);
    auto refreshing = s.status(t0 + 81s);
    BOOST_TEST(refreshing.valid);
    BOOST_TEST_REQUIRE(refreshing.failing.has_value());
    BOOST_TEST((refreshing.failing->code == errc::token_endpoint_failed));
    // ...and once the token is no longer handed out (5 s expiry guard), it is not valid.
    auto expired = s.status(t0 + 96s);
    BOOST_TEST(!expired.valid);
    BOOST_TEST((expired.valid_for == clock::duration::zero()));
    BOOST_TEST(expired.failing.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::token

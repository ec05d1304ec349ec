// The token source's coroutine shell on a mock clock: its refresh schedule,
// backoff, single flight, bounded waits and shutdown, proven without sockets
// and without waiting. The fetch is a script; time moves only when a test
// says so (mock_clock.hpp), so "not before" and "after exactly" are exact.

#include "proxy/token/token_source.ipp"

#include "tests/unit/token/mock_clock.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <deque>

#include <unistd.h>

namespace litmus::token {

using namespace std::chrono_literals;
using test::io_settle;
using test::mock_clock;
using mock_source = basic_token_source<mock_clock, test::mock_wait_traits>;

namespace {

// --- what a scripted fetch can do (free functions: a suspended coroutine
// must not depend on a lambda the test may replace meanwhile) -------------

net::awaitable<fetch_result> answer_now(fetch_result r)
{
    co_return r;
}

// Answers after `d` of mock time. Cancelled (by stop()), it returns a failure
// the way token_client does when its connection is closed under it.
net::awaitable<fetch_result> answer_after(mock_clock::duration d, fetch_result r)
{
    test::mock_timer t(co_await net::this_coro::executor, d);
    auto [ec] = co_await t.async_wait(net::as_tuple(net::use_awaitable));
    if (ec)
        co_return token_failure{errc::token_endpoint_failed, 0, "receive failed: " + ec.message()};
    co_return r;
}

// Like answer_after, but a cancelled wait throws (as an operation that is
// co_awaited without as_tuple does).
net::awaitable<fetch_result> answer_after_or_throw(mock_clock::duration d, fetch_result r)
{
    test::mock_timer t(co_await net::this_coro::executor, d);
    co_await t.async_wait(net::use_awaitable);
    co_return r;
}

net::awaitable<fetch_result> throw_now()
{
    throw std::runtime_error("boom");
    co_return token_failure{};  // makes this a coroutine; never reached
}

token_response issued(std::string access, std::chrono::milliseconds lifetime, std::optional<std::string> refresh = {})
{
    token_response r;
    r.access_token = std::move(access);
    r.lifetime = lifetime;
    r.refresh_token = std::move(refresh);
    return r;
}

fetch_result failed(errc code = errc::token_endpoint_failed)
{
    return token_failure{code, 503, "scripted failure"};
}

long long ms_between(mock_clock::time_point a, mock_clock::time_point b)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// One get() in flight, as a request would make it.
struct waiter {
    bool done = false;
    boost::system::result<token_ptr, errc> result = errc::shutting_down;  // overwritten when done
    std::optional<errc> error() const
    {
        return done && !result ? std::optional(result.error()) : std::nullopt;
    }
    std::string authorization() const { return done && result ? (*result)->authorization : ""; }
};

// Collects what is written to stderr, where log lines go, while it lives.
class stderr_capture {
public:
    stderr_capture() : file_(std::tmpfile()), saved_(::dup(STDERR_FILENO))
    {
        BOOST_TEST_REQUIRE((file_ && saved_ >= 0));
        ::dup2(::fileno(file_), STDERR_FILENO);
    }
    ~stderr_capture() { finish(); }
    std::string finish()
    {
        if (saved_ >= 0) {
            ::dup2(saved_, STDERR_FILENO);
            ::close(saved_);
            saved_ = -1;
            std::rewind(file_);
            char buf[4096];
            for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;)
                text_.append(buf, n);
            std::fclose(file_);
        }
        return text_;
    }

private:
    std::FILE* file_;
    int saved_;
    std::string text_;
};

struct source_fixture {
    net::io_context ioc;
    config::token_config cfg;
    prometheus::Registry registry;
    token_metrics metrics{registry};
    const mock_clock::time_point t0 = (mock_clock::reset(), mock_clock::now());

    struct call {
        mock_clock::time_point at;
        token_grant grant;
    };
    std::vector<call> calls;  // every fetch the source started, in order
    // What the next fetch does. Default: a 100 s token named after the call.
    std::function<net::awaitable<fetch_result>(const token_grant&)> script = [this](const token_grant&) {
        return answer_now(issued(next_name(), 100s));
    };
    std::deque<waiter> waiters;  // deque: spawned coroutines keep pointers into it
    std::unique_ptr<mock_source> source;

    source_fixture()
    {
        cfg.refresh_before = 0.2;
        cfg.refresh_jitter = 0.0;
        cfg.backoff_initial = 1s;
        cfg.backoff_max = 8s;
        cfg.wait_timeout = 5s;
        source = std::make_unique<mock_source>(
            ioc.get_executor(), cfg,
            [this](token_grant g) {
                calls.push_back({mock_clock::now(), g});
                return script(g);
            },
            token_grant{}, metrics, "test");
    }

    // Leaves nothing behind: the loop ends, every waiter is answered, and no
    // timer or operation is left in the io_context.
    ~source_fixture()
    {
        source->stop();
        io_settle(ioc);
        for (const auto& w : waiters)
            BOOST_TEST(w.done);
        ioc.restart();
        ioc.poll();
        BOOST_TEST(ioc.stopped(), "work left in the io_context after stop()");
    }

    std::string next_name() const { return "tok" + std::to_string(calls.size()); }

    void start()
    {
        source->start();
        io_settle(ioc);
    }

    waiter& get()
    {
        auto& w = waiters.emplace_back();
        net::co_spawn(ioc, [&]() -> net::awaitable<void> {
            w.result = co_await source->get();
            w.done = true;
        }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
        io_settle(ioc);
        return w;
    }

    void advance(mock_clock::duration d)
    {
        mock_clock::advance_time_by(d);
        io_settle(ioc);
    }

    // Moves time on in `step`s for `total`, letting everything due happen at
    // each step: what a continuously running process would see, to `step`.
    void advance_in_steps(mock_clock::duration total, mock_clock::duration step)
    {
        for (auto left = total; left > left.zero(); left -= step)
            advance(std::min(step, left));
    }

    double fetches(grant_kind g, fetch_outcome o) { return metrics.fetch(g, o).Value(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(token_source_test)

BOOST_FIXTURE_TEST_CASE(first_token_is_fetched_at_start_and_served_without_waiting, source_fixture)
{
    start();
    BOOST_TEST_REQUIRE(calls.size() == 1u);
    BOOST_TEST((calls[0].at == t0));
    BOOST_TEST((calls[0].grant.kind == grant_kind::client_credentials));
    BOOST_TEST(source->status().valid);
    auto& w = get();
    BOOST_TEST(w.authorization() == "Bearer tok1");
    BOOST_TEST(metrics.waits.Value() == 0.0);
}

// usable_now is get()'s answer without a wait: the token get() would hand
// out at once, and nothing exactly when get() would have to wait.
BOOST_FIXTURE_TEST_CASE(usable_now_gives_what_get_gives_at_once_and_nothing_otherwise, source_fixture)
{
    BOOST_TEST(!source->usable_now());  // nothing fetched yet
    start();
    script = [](const token_grant&) { return answer_now(failed()); };
    BOOST_TEST_REQUIRE(source->usable_now());
    BOOST_TEST(source->usable_now()->authorization == "Bearer tok1");
    // Refreshes fail; the token is usable until its expiry guard, 5 s
    // before its 100 s end.
    advance_in_steps(95s - 1ms, 100ms);
    BOOST_TEST_REQUIRE(source->usable_now());
    BOOST_TEST(get().authorization() == "Bearer tok1");
    advance(1ms);
    BOOST_TEST(!source->usable_now());
    BOOST_TEST(metrics.waits.Value() == 0.0);  // usable_now never counts as a wait
}

BOOST_FIXTURE_TEST_CASE(refresh_starts_at_the_refresh_point_and_not_before, source_fixture)
{
    start();
    // 100 s tokens, 20% margin, no jitter: refreshed 80 s after each fetch.
    advance(80s - 1ms);
    BOOST_TEST(calls.size() == 1u);
    advance(1ms);
    BOOST_TEST_REQUIRE(calls.size() == 2u);
    BOOST_TEST(ms_between(t0, calls[1].at) == 80'000);
    advance(80s - 1ms);
    BOOST_TEST(calls.size() == 2u);
    advance(1ms);
    BOOST_TEST_REQUIRE(calls.size() == 3u);
    BOOST_TEST(ms_between(t0, calls[2].at) == 160'000);
    BOOST_TEST(get().authorization() == "Bearer tok3");
    BOOST_TEST(metrics.waits.Value() == 0.0);
    BOOST_TEST(fetches(grant_kind::client_credentials, fetch_outcome::success) == 3.0);
}

BOOST_AUTO_TEST_CASE(refresh_points_of_a_fleet_spread_within_the_jitter_bounds)
{
    // Ten sources started in the same instant, 100 s tokens, 20% margin, 10%
    // jitter of it: each refreshes once in [78 s, 82 s], and not all at once.
    net::io_context ioc;
    config::token_config cfg;
    cfg.refresh_before = 0.2;
    cfg.refresh_jitter = 0.1;
    prometheus::Registry registry;
    token_metrics metrics{registry};
    mock_clock::reset();
    const auto t0 = mock_clock::now();
    std::vector<std::vector<mock_clock::time_point>> fetched(10);
    std::vector<std::unique_ptr<mock_source>> fleet;
    for (std::size_t i = 0; i < fetched.size(); ++i) {
        fleet.push_back(std::make_unique<mock_source>(
            ioc.get_executor(), cfg,
            [&fetched, i](token_grant) {
                fetched[i].push_back(mock_clock::now());
                return answer_now(issued("tok", 100s));
            },
            token_grant{}, metrics, "fleet"));
        fleet.back()->start();
    }
    io_settle(ioc);
    mock_clock::advance_time_by(78s - 1ms);
    io_settle(ioc);
    for (const auto& f : fetched)
        BOOST_TEST(f.size() == 1u);
    for (int step = 0; step < 401; ++step) {  // to 82 s + 1 ms, in 10 ms steps
        mock_clock::advance_time_by(10ms);
        io_settle(ioc);
    }
    std::vector<long long> refreshed_at;
    for (const auto& f : fetched) {
        BOOST_TEST_REQUIRE(f.size() == 2u);
        refreshed_at.push_back(ms_between(t0, f[1]));
        BOOST_TEST(refreshed_at.back() >= 78'000);
        BOOST_TEST(refreshed_at.back() <= 82'000 + 10);
    }
    BOOST_TEST(*std::max_element(refreshed_at.begin(), refreshed_at.end()) >
               *std::min_element(refreshed_at.begin(), refreshed_at.end()));
    for (auto& s : fleet)
        s->stop();
    io_settle(ioc);
}

BOOST_FIXTURE_TEST_CASE(requests_are_served_the_held_token_while_a_refresh_is_in_flight, source_fixture)
{
    start();
    script = [this](const token_grant&) { return answer_after(3s, issued(next_name(), 100s)); };
    advance(80s);
    BOOST_TEST_REQUIRE(calls.size() == 2u);
    advance(1s);  // the refresh is under way, the token still valid
    auto& w = get();
    BOOST_TEST(w.authorization() == "Bearer tok1");
    BOOST_TEST(metrics.waits.Value() == 0.0);
    advance(2s);
    BOOST_TEST(get().authorization() == "Bearer tok2");
    BOOST_TEST(calls.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_request_finding_no_usable_token_starts_the_fetch_at_once, source_fixture)
{
    // A 1% margin puts the refresh (99 s) after the point where the token is
    // no longer handed out (95 s): the request must not wait for the schedule.
    cfg.refresh_before = 0.01;
    script = [this](const token_grant&) { return answer_after(1s, issued(next_name(), 100s)); };
    start();
    advance(1s);   // the first fetch answers; its token counts from t0
    advance(94s);  // t0 + 95 s: inside the expiry guard, before the refresh
    BOOST_TEST(calls.size() == 1u);
    BOOST_TEST(!source->status().valid);
    auto& w = get();
    BOOST_TEST_REQUIRE(calls.size() == 2u);
    BOOST_TEST(ms_between(t0, calls[1].at) == 95'000);
    advance(1s);
    BOOST_TEST(w.authorization() == "Bearer tok2");
}

BOOST_FIXTURE_TEST_CASE(failed_fetches_back_off_doubling_to_the_cap_with_jitter, source_fixture)
{
    script = [](const token_grant&) { return answer_now(failed()); };
    start();
    BOOST_TEST_REQUIRE(calls.size() == 1u);
    // A request arriving during a backoff waits for it to end: it does not
    // make the source hammer a failing endpoint at request rate.
    advance(100ms);
    get();
    BOOST_TEST(calls.size() == 1u);

    constexpr auto step = 20ms;
    advance_in_steps(60s - 100ms, step);
    // Retry k waits between half and all of min(1 s * 2^(k-1), 8 s), to a step.
    BOOST_TEST_REQUIRE(calls.size() >= 9u);
    for (std::size_t k = 1; k < calls.size(); ++k) {
        BOOST_TEST_CONTEXT("retry " << k)
        {
            const long long base = std::min(1000LL << std::min<std::size_t>(k - 1, 10), 8000LL);
            const auto gap = ms_between(calls[k - 1].at, calls[k].at);
            BOOST_TEST(gap >= base / 2);
            BOOST_TEST(gap <= base + step.count());
        }
    }
    BOOST_TEST(fetches(grant_kind::client_credentials, fetch_outcome::failed) ==
               static_cast<double>(calls.size()));
    BOOST_TEST(!source->status().valid);
}

BOOST_FIXTURE_TEST_CASE(failed_refreshes_serve_the_token_until_just_before_expiry_then_requests_get_503, source_fixture)
{
    start();
    script = [](const token_grant&) { return answer_now(failed()); };
    cfg.wait_timeout = 2s;
    // The refresh at 80 s and its retries fail; the 100 s token is handed
    // out until 5 s (its expiry guard) before it expires, and never after.
    advance_in_steps(95s - 1ms, 100ms);
    BOOST_TEST(calls.size() > 2u);
    auto& last = get();
    BOOST_TEST(last.authorization() == "Bearer tok1");
    advance(1ms);
    BOOST_TEST(!source->status().valid);
    auto& late = get();
    BOOST_TEST(!late.done);
    advance_in_steps(2s, 100ms);
    BOOST_TEST_REQUIRE(late.done);
    BOOST_TEST((late.error() == errc::token_unavailable));
    BOOST_TEST(metrics.waits.Value() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(concurrent_waiters_and_reports_share_one_fetch, source_fixture)
{
    script = [this](const token_grant&) { return answer_after(1s, issued(next_name(), 100s)); };
    start();
    for (int i = 0; i < 100; ++i)
        get();
    BOOST_TEST(calls.size() == 1u);
    advance(1s);
    BOOST_TEST(calls.size() == 1u);
    for (const auto& w : waiters)
        BOOST_TEST(w.authorization() == "Bearer tok1");
    BOOST_TEST(metrics.waits.Value() == 100.0);

    // 100 requests report the revoked token and ask again: one fetch.
    auto revoked = *waiters.front().result;
    waiters.clear();
    for (int i = 0; i < 100; ++i) {
        source->reject(*revoked);
        get();
    }
    BOOST_TEST(calls.size() == 2u);
    advance(1s);
    BOOST_TEST(calls.size() == 2u);
    for (const auto& w : waiters)
        BOOST_TEST(w.authorization() == "Bearer tok2");
    BOOST_TEST(metrics.invalidations.Value() == 1.0);
}

// The expiry gauge is computed when read, on the source's clock: it falls
// with time between fetches, jumps back up on a refresh, and is 0 while no
// token is held. Each endpoint call is timed, failed ones included.
BOOST_FIXTURE_TEST_CASE(seconds_until_expiry_follows_the_clock_and_the_current_token, source_fixture)
{
    token_expiry_metric gauge([this] { return source->seconds_until_expiry(); });
    auto scraped = [&] { return gauge.Collect().at(0).metric.at(0).gauge.value; };
    BOOST_TEST(scraped() == 0.0);  // nothing fetched yet

    // 100 s tokens, each taking 2 s of mock time to come back: expiry counts
    // from when the request left.
    script = [this](const token_grant&) { return answer_after(2s, issued(next_name(), 100s)); };
    start();
    advance(2s);
    BOOST_TEST_REQUIRE(source->status().valid);
    BOOST_TEST(scraped() == 98.0);
    advance(30s);
    BOOST_TEST(scraped() == 68.0);
    BOOST_TEST(metrics.lifetime_seconds.Value() == 100.0);

    // The refresh at 80 s after the first request replaces it.
    advance(48s);  // t0 + 80 s: the refresh starts
    advance(2s);   // and its answer is in
    BOOST_TEST_REQUIRE(calls.size() == 2u);
    BOOST_TEST(scraped() == 98.0);
    BOOST_TEST(metrics.fetch_duration_seconds.Collect().histogram.sample_count == 2u);
    BOOST_TEST(metrics.fetch_duration_seconds.Collect().histogram.sample_sum == 4.0);

    // Revoked: no token is held until the next one arrives.
    script = [](const token_grant&) { return answer_now(failed()); };
    source->reject(**get().result);
    io_settle(ioc);
    BOOST_TEST(!source->status().valid);
    BOOST_TEST(scraped() == 0.0);
    BOOST_TEST(metrics.fetch_duration_seconds.Collect().histogram.sample_count == 3u);
}

BOOST_FIXTURE_TEST_CASE(no_token_within_wait_timeout_is_token_unavailable_after_exactly_wait_timeout, source_fixture)
{
    script = [](const token_grant&) { return answer_now(failed()); };
    start();
    auto& w = get();
    // Retries under backoff wake the waiter on the way; it keeps waiting.
    advance_in_steps(5s - 1ms, 100ms);
    BOOST_TEST(calls.size() >= 3u);
    BOOST_TEST(!w.done);
    advance(1ms);
    BOOST_TEST_REQUIRE(w.done);
    BOOST_TEST((w.error() == errc::token_unavailable));
}

BOOST_FIXTURE_TEST_CASE(refused_credentials_make_waiters_fail_with_token_rejected, source_fixture)
{
    script = [](const token_grant&) { return answer_now(failed(errc::token_rejected)); };
    start();
    auto& w = get();
    advance(5s);
    BOOST_TEST((w.error() == errc::token_rejected));
    BOOST_TEST(fetches(grant_kind::client_credentials, fetch_outcome::rejected) >= 1.0);
}

BOOST_FIXTURE_TEST_CASE(refresh_token_is_rotated_and_a_refused_refresh_falls_back_to_client_credentials_at_once,
                        source_fixture)
{
    int refreshes = 0;
    script = [&](const token_grant& g) {
        if (g.kind == grant_kind::client_credentials)
            return answer_now(issued(next_name(), 100s, "r" + std::to_string(calls.size())));
        if (++refreshes == 2)
            return answer_now(token_failure{errc::refresh_refused, 400, "invalid_grant"});
        return answer_now(issued(next_name(), 100s, "rotated"));
    };
    start();
    advance(80s);
    advance(80s);
    BOOST_TEST_REQUIRE(calls.size() == 4u);
    BOOST_TEST((calls[0].grant.kind == grant_kind::client_credentials));
    BOOST_TEST((calls[1].grant.kind == grant_kind::refresh_token));
    BOOST_TEST(calls[1].grant.refresh_token == "r1");
    BOOST_TEST((calls[2].grant.kind == grant_kind::refresh_token));
    BOOST_TEST(calls[2].grant.refresh_token == "rotated");
    // Refused: client credentials in the same instant, not after a backoff.
    BOOST_TEST((calls[3].grant.kind == grant_kind::client_credentials));
    BOOST_TEST((calls[3].at == calls[2].at));
    BOOST_TEST(ms_between(t0, calls[3].at) == 160'000);
    BOOST_TEST(get().authorization() == "Bearer tok4");
    BOOST_TEST(fetches(grant_kind::refresh_token, fetch_outcome::refresh_refused) == 1.0);
    BOOST_TEST(metrics.waits.Value() == 0.0);
    // The new client-credentials token's refresh token is used next time.
    advance(80s);
    BOOST_TEST_REQUIRE(calls.size() == 5u);
    BOOST_TEST((calls[4].grant.kind == grant_kind::refresh_token));
    BOOST_TEST(calls[4].grant.refresh_token == "r4");
}

BOOST_FIXTURE_TEST_CASE(revoked_tokens_that_worked_are_replaced_at_once_every_time, source_fixture)
{
    start();
    for (int i = 1; i <= 5; ++i) {
        BOOST_TEST_CONTEXT("revocation " << i)
        {
            auto& w = get();
            BOOST_TEST_REQUIRE(w.result.has_value());
            source->accepted(**w.result);
            advance(1s);
            source->reject(**w.result);
            // The replacement starts at once, before any request asks for it
            // (a streamed request's 401 is passed on without asking again).
            io_settle(ioc);
            BOOST_TEST(calls.size() == static_cast<std::size_t>(i) + 1);
            auto& next = get();
            BOOST_TEST(next.authorization() == "Bearer tok" + std::to_string(i + 1));
        }
    }
    BOOST_TEST(metrics.waits.Value() == 0.0);
}

BOOST_FIXTURE_TEST_CASE(stop_wakes_waiters_with_shutting_down, source_fixture)
{
    script = [this](const token_grant&) { return answer_after(1h, issued(next_name(), 100s)); };
    start();
    auto& a = get();
    auto& b = get();
    BOOST_TEST(!a.done);
    source->stop();
    io_settle(ioc);  // no time passes
    BOOST_TEST((a.error() == errc::shutting_down));
    BOOST_TEST((b.error() == errc::shutting_down));
    BOOST_TEST((get().error() == errc::shutting_down));
}

// Shutting down is not a failed fetch: the cancelled fetch's outcome is
// neither logged as a warning or error nor counted, whether the fetch
// returns a failure when cancelled or throws.
void check_quiet_stop(source_fixture& f)
{
    f.start();
    auto& w = f.get();
    BOOST_TEST_REQUIRE(f.calls.size() == 1u);
    stderr_capture logs;
    f.source->stop();
    io_settle(f.ioc);
    auto text = logs.finish();
    BOOST_TEST((w.error() == errc::shutting_down));
    BOOST_TEST(text.find("\"level\":\"warn\"") == std::string::npos, text);
    BOOST_TEST(text.find("\"level\":\"error\"") == std::string::npos, text);
    for (auto o : {fetch_outcome::failed, fetch_outcome::bad_response, fetch_outcome::rejected})
        BOOST_TEST(f.fetches(grant_kind::client_credentials, o) == 0.0);
}

BOOST_FIXTURE_TEST_CASE(stop_during_a_fetch_is_not_logged_or_counted_as_a_failure, source_fixture)
{
    script = [this](const token_grant&) { return answer_after(1h, issued(next_name(), 100s)); };
    check_quiet_stop(*this);
}

BOOST_FIXTURE_TEST_CASE(stop_during_a_fetch_that_throws_when_cancelled_is_not_a_failure, source_fixture)
{
    script = [this](const token_grant&) { return answer_after_or_throw(1h, issued(next_name(), 100s)); };
    check_quiet_stop(*this);
}

BOOST_FIXTURE_TEST_CASE(a_fetch_that_throws_is_a_failure_retried_under_backoff, source_fixture)
{
    script = [this](const token_grant&) {
        return calls.size() == 1 ? throw_now() : answer_now(issued(next_name(), 100s));
    };
    start();
    auto& w = get();
    BOOST_TEST(calls.size() == 1u);
    BOOST_TEST(!w.done);
    advance(500ms - 1ms);  // the shortest first backoff: half of backoff_initial
    BOOST_TEST(calls.size() == 1u);
    advance_in_steps(501ms, 1ms);
    BOOST_TEST(calls.size() == 2u);
    BOOST_TEST(w.authorization() == "Bearer tok2");
    BOOST_TEST(fetches(grant_kind::client_credentials, fetch_outcome::failed) == 1.0);
}

BOOST_FIXTURE_TEST_CASE(status_follows_fetches_and_the_observer_hears_each_one, source_fixture)
{
    int finished = 0;
    source->on_fetch_finished([&] { ++finished; });
    script = [](const token_grant&) {
        return answer_after(1s, token_failure{errc::token_rejected, 401, "HTTP 401 invalid_client", "invalid_client"});
    };
    start();
    // The first fetch is pending: no token and nothing failed yet.
    BOOST_TEST(!source->status().valid);
    BOOST_TEST(!source->status().failing.has_value());
    BOOST_TEST(finished == 0);

    advance(1s);
    BOOST_TEST(finished == 1);
    auto failing = source->status();
    BOOST_TEST(!failing.valid);
    BOOST_TEST_REQUIRE(failing.failing.has_value());
    BOOST_TEST(failing.failing->oauth_error == "invalid_client");

    // The next retry (within the first backoff, at most 1 s) succeeds.
    script = [this](const token_grant&) { return answer_now(issued(next_name(), 100s)); };
    advance_in_steps(1s, 10ms);
    BOOST_TEST(finished == 2);
    auto held = source->status();
    BOOST_TEST(held.valid);
    BOOST_TEST(!held.failing.has_value());
    BOOST_TEST(held.valid_for > 98s);
    BOOST_TEST(held.valid_for <= 100s);
}

BOOST_FIXTURE_TEST_CASE(the_observer_is_not_called_for_a_fetch_cut_by_stop, source_fixture)
{
    int finished = 0;
    source->on_fetch_finished([&] { ++finished; });
    script = [this](const token_grant&) { return answer_after(1h, issued(next_name(), 100s)); };
    start();
    source->stop();
    io_settle(ioc);
    BOOST_TEST(finished == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::token

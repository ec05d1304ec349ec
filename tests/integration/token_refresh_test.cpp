// Background refresh end to end, over real TLS against the fake Litmus: the
// token client sends the right grants (refresh tokens used, rotated, kept,
// given up for client credentials when refused) and requests keep flowing
// while tokens are replaced. The schedule itself (the refresh point and its
// jitter, single flight, backoff) is proven on a mock clock in
// tests/unit/token/token_source_test.cpp; here the fake issues 1-second
// tokens and the proxy refreshes 100 ms after each fetch (refresh_before 0.9,
// no jitter), so several refreshes take a few hundred ms of wall time.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

constexpr std::string_view target = "/api/v2/users/current";  // the fake 401s expired tokens here

// A backoff far longer than the refresh cadence: a refused refresh that
// wrongly waited for it would show as a gap of a second or more.
constexpr std::string_view fast_refresh = "  refresh_before: 0.9\n"
                                          "  refresh_jitter: 0\n"
                                          "  backoff_initial: 2s\n";

double ms_of(steady_clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

fake::fake_options short_tokens(bool refresh_tokens, bool rotate = true)
{
    fake::fake_options o;
    o.expires_in = 1;
    o.issue_refresh_tokens = refresh_tokens;
    o.rotate_refresh_tokens = rotate;
    return o;
}

json::object grant_of(const fake::recorded_request& r)
{
    return json::parse(r.body).as_object();
}

std::string grant_type(const fake::recorded_request& r)
{
    return std::string(grant_of(r).at("grant_type").as_string());
}

std::string refresh_token_sent(const fake::recorded_request& r)
{
    auto g = grant_of(r);
    auto* rt = g.if_contains("refresh_token");
    return rt && rt->is_string() ? std::string(rt->as_string()) : std::string();
}

bool all_ok(const load_result& r)
{
    return !r.samples.empty() && r.count(200) == r.samples.size();
}

// Requests every 5 ms (for at most 3 s) until the fake has seen `n` token
// requests: the workload during which refreshes happen.
load_result load_until_token_requests(const running_proxy& proxy, const fake::fake_litmus& fake, std::size_t n)
{
    return paced_requests(proxy.port(), target, 5ms, 3s,
                          [&](const load_result&) { return fake.token_request_count() >= n; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_refresh_test)

BOOST_AUTO_TEST_CASE(steady_stream_is_served_by_background_refreshes_before_expiry)
{
    fake::fake_litmus fake(short_tokens(false));
    running_proxy proxy(yaml_for(fake, fast_refresh));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    const double waits_after_warm_up = value_of(proxy.app().token_metrics().waits);

    auto load = load_until_token_requests(proxy, fake, 5);

    // Every request succeeded; none had to wait for a token or be replayed.
    BOOST_TEST(load.count(200) == load.samples.size());
    BOOST_TEST(load.samples.size() > 10u);
    BOOST_TEST(value_of(proxy.app().token_metrics().waits) == waits_after_warm_up);
    BOOST_TEST(unauthorized_retries(proxy) == 0.0);
    BOOST_TEST(value_of(proxy.app().token_metrics().invalidations) == 0.0);

    // Four refreshes, each started before the previous token expired. That
    // each is one token request (single flight) is proven on a mock clock in
    // token_source_test: arrival times at the fake cannot show it, since a
    // loaded machine delays one request's TLS handshake and not the next.
    auto tokens = fake.token_requests();
    BOOST_TEST_REQUIRE(tokens.size() >= 5u);
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        BOOST_TEST_CONTEXT("token request " << i)
        {
            BOOST_TEST(grant_type(tokens[i]) == "client_credentials");
            BOOST_TEST(ms_of(tokens[i].at - tokens[i - 1].at) < 1000.0);
        }
    }
    // Each one succeeded (the last may still be on its way back).
    BOOST_TEST(value_of(proxy.app().token_metrics().fetch(token::grant_kind::client_credentials,
                                                    token::fetch_outcome::success)) >=
               static_cast<double>(tokens.size() - 1));
    BOOST_TEST_MESSAGE("token_refresh_test: " << load.samples.size() << " requests, " << tokens.size() - 1
                                              << " refreshes; longest latency " << ms_of(load.max_latency())
                                              << " ms");
}

BOOST_AUTO_TEST_CASE(refresh_token_is_used_rotated_and_refused_refresh_falls_back_to_client_credentials)
{
    fake::fake_litmus fake(short_tokens(true, true));
    running_proxy proxy(yaml_for(fake, fast_refresh));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));

    // Two refreshes while requests keep flowing.
    auto load = load_until_token_requests(proxy, fake, 3);
    BOOST_TEST(all_ok(load));
    auto tokens = fake.token_requests();
    auto refresh = fake.issued_refresh_tokens();
    BOOST_TEST_REQUIRE(tokens.size() >= 3u);
    BOOST_TEST_REQUIRE(refresh.size() >= 2u);
    BOOST_TEST(grant_type(tokens[0]) == "client_credentials");
    BOOST_TEST(grant_type(tokens[1]) == "refresh_token");
    BOOST_TEST(refresh_token_sent(tokens[1]) == refresh[0]);
    BOOST_TEST(grant_type(tokens[2]) == "refresh_token");
    BOOST_TEST(refresh[1] != refresh[0]);
    BOOST_TEST(refresh_token_sent(tokens[2]) == refresh[1]);  // the rotated one

    // From here on every refresh is refused. Each refused one is followed by
    // client credentials at once, not after the 1-2 s backoff; refreshes go
    // on between with the new refresh tokens. (Which request is the first
    // refused one depends on where the cadence is: every one is checked.)
    fake.refuse_refresh(true);
    const auto refused_from = fake.token_request_count();
    load = load_until_token_requests(proxy, fake, refused_from + 4);
    BOOST_TEST(all_ok(load));
    tokens = fake.token_requests();
    std::size_t fallbacks = 0;
    for (std::size_t i = refused_from; i + 1 < tokens.size(); ++i) {
        if (grant_type(tokens[i]) != "refresh_token")
            continue;
        BOOST_TEST_CONTEXT("refused refresh, token request " << i)
        {
            BOOST_TEST(grant_type(tokens[i + 1]) == "client_credentials");
            BOOST_TEST(ms_of(tokens[i + 1].at - tokens[i].at) < 500.0);
            ++fallbacks;
        }
    }
    BOOST_TEST(fallbacks >= 1u);
    BOOST_TEST(value_of(proxy.app().token_metrics().fetch(token::grant_kind::refresh_token,
                                                    token::fetch_outcome::refresh_refused)) >= 1.0);
    BOOST_TEST(unauthorized_retries(proxy) == 0.0);
    BOOST_TEST(value_of(proxy.app().token_metrics().waits) <= 1.0);  // at most the very first request
    BOOST_TEST(http_once(proxy.port(), http::verb::get, target).status == 200u);
}

BOOST_AUTO_TEST_CASE(refresh_token_is_kept_when_the_response_carries_no_new_one)
{
    fake::fake_litmus fake(short_tokens(true, false));
    running_proxy proxy(yaml_for(fake, fast_refresh));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));

    auto load = load_until_token_requests(proxy, fake, 3);
    BOOST_TEST(all_ok(load));
    auto tokens = fake.token_requests();
    auto refresh = fake.issued_refresh_tokens();
    BOOST_TEST_REQUIRE(tokens.size() >= 3u);
    BOOST_TEST(refresh.size() == 1u);
    BOOST_TEST(grant_type(tokens[1]) == "refresh_token");
    BOOST_TEST(refresh_token_sent(tokens[1]) == refresh.at(0));
    BOOST_TEST(grant_type(tokens[2]) == "refresh_token");
    BOOST_TEST(refresh_token_sent(tokens[2]) == refresh.at(0));
    BOOST_TEST(fake.issued_tokens().size() == tokens.size());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

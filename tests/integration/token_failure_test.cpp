// The token endpoint goes down (500, closed connections, no answer): requests
// keep being served while the held token is valid, get the proxy's 503 (JSON,
// Retry-After, never a 401 or a forward) once no valid token is left, fetches
// back off instead of hammering the endpoint, and everything recovers by
// itself when it returns. Each failure mode goes through the real token
// client over TLS. How long the old token is served (until just before
// expiry, never after) and how the backoff grows are schedules, proven on a
// mock clock in tests/unit/token/token_source_test.cpp; here the token is
// revoked to end it, so no test waits for a token to expire.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

constexpr std::string_view target = "/api/v2/users/current";  // the fake 401s expired and revoked tokens here

// 1-second tokens from the fake, refreshed 100 ms after each fetch; a stalled
// fetch gives up after 100 ms; a request waits 200 ms for a token; retries
// back off from 50 ms to 200 ms.
constexpr std::string_view outage_settings = "  refresh_before: 0.9\n"
                                             "  refresh_jitter: 0\n"
                                             "  fetch_timeout: 100ms\n"
                                             "  wait_timeout: 200ms\n"
                                             "  backoff_initial: 50ms\n"
                                             "  backoff_max: 200ms\n";

double ms_of(steady_clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

void check_token_unavailable(const http_reply& r)
{
    BOOST_TEST(r.status == 503u);
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "token_unavailable");
    BOOST_TEST(!r.header("Retry-After").empty());
    BOOST_TEST(r.header("Content-Type") == "application/json");
    BOOST_TEST(r.json().at("error").as_string() == "token_unavailable");
}

void outage_and_recovery(fake::endpoint_mode mode)
{
    fake::fake_options o;
    o.expires_in = 1;
    fake::fake_litmus fake(o);
    running_proxy proxy(yaml_for(fake, outage_settings));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    // Usually one token; a loaded machine may already have refreshed (at
    // 0.1 s). The newest one is what the proxy holds.
    const auto served = fake.token_requests();
    BOOST_TEST_REQUIRE(!served.empty());
    const auto issued_at = served.back().at;  // the fake's clock for expiry starts here
    fake.set_token_mode(mode);

    // Down, token still valid: refreshes fail (3 attempts) and every request
    // is still served with the held token.
    const auto down_at = steady_clock::now();
    auto down = paced_requests(proxy.port(), target, 10ms, 2s,
                               [&](const load_result&) { return fake.token_request_count() >= served.size() + 3; });
    const auto down_for = steady_clock::now() - down_at;
    const auto failed = [&] {
        auto t = fake.token_requests();
        return std::vector<fake::recorded_request>(t.begin() + static_cast<std::ptrdiff_t>(served.size()), t.end());
    }();
    BOOST_TEST_REQUIRE(failed.size() >= 3u);
    BOOST_TEST(down.count(401) == 0u);
    bool after_failure = false;
    for (std::size_t i = 0; i < down.samples.size(); ++i) {
        const auto& s = down.samples[i];
        BOOST_TEST_CONTEXT("request " << i << " sent " << ms_of(s.sent - issued_at) << " ms after the token")
        {
            // A slow machine may reach the token's end here: then a 503, never a 401.
            if (s.reply.status == 200)
                BOOST_TEST(ms_of(s.sent - issued_at) < 1000.0);
            else
                check_token_unavailable(s.reply);
            after_failure = after_failure || (s.reply.status == 200 && s.sent > failed.front().at);
        }
    }
    BOOST_TEST(after_failure, "no request succeeded on the held token after the first failed refresh");
    // Backed off: retries at least 25 ms apart (half the first backoff), not
    // one per request or a tight loop.
    BOOST_TEST(static_cast<double>(failed.size()) <= 2.0 + ms_of(down_for) / 25.0);

    // Down, no valid token (revoked, as a dead token would be): 503s.
    fake.revoke_all_tokens();
    auto r = http_once(proxy.port(), http::verb::get, target);
    check_token_unavailable(r);
    BOOST_TEST(value_of(proxy.app().forward_metrics().local_reply(errc::token_unavailable)) >= 1.0);
    BOOST_TEST(value_of(proxy.app().token_metrics().fetch(token::grant_kind::client_credentials,
                                                    token::fetch_outcome::success)) ==
               static_cast<double>(served.size()));

    // The endpoint returns: requests succeed again without a restart.
    fake.set_token_mode(fake::endpoint_mode::normal);
    const auto back_at = steady_clock::now();
    auto up = paced_requests(proxy.port(), target, 10ms, 3s,
                             [](const load_result& so_far) { return so_far.samples.back().reply.status == 200; });
    BOOST_TEST_REQUIRE(up.samples.back().reply.status == 200u);
    BOOST_TEST_MESSAGE("token_failure_test: " << failed.size() << " failed token requests in "
                                              << ms_of(down_for) << " ms; recovered "
                                              << ms_of(steady_clock::now() - back_at)
                                              << " ms after the endpoint returned");
    for (const auto& s : up.samples)
        if (s.reply.status != 200)
            check_token_unavailable(s.reply);
    BOOST_TEST(http_once(proxy.port(), http::verb::get, target).status == 200u);
    BOOST_TEST(value_of(proxy.app().token_metrics().fetch(token::grant_kind::client_credentials,
                                                    token::fetch_outcome::success)) >= 2.0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_failure_test)

BOOST_AUTO_TEST_CASE(endpoint_answering_500_gives_503_without_a_token_backs_off_and_recovers)
{
    outage_and_recovery(fake::endpoint_mode::fail_500);
}

BOOST_AUTO_TEST_CASE(endpoint_closing_connections_gives_503_without_a_token_backs_off_and_recovers)
{
    outage_and_recovery(fake::endpoint_mode::close);
}

BOOST_AUTO_TEST_CASE(endpoint_never_answering_gives_503_without_a_token_backs_off_and_recovers)
{
    outage_and_recovery(fake::endpoint_mode::stall);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

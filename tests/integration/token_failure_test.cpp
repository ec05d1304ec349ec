// The token endpoint goes down (500, closed connections, no answer) for
// longer than the held token lives: requests succeed while it is valid, then
// get the proxy's 503, never a request with an expired token; fetches back
// off; and everything recovers by itself when the endpoint returns.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

constexpr std::string_view target = "/api/v2/users/current";  // the fake 401s expired tokens here

constexpr std::string_view outage_settings = "  fetch_timeout: 500ms\n"
                                             "  wait_timeout: 300ms\n"
                                             "  backoff_initial: 100ms\n"
                                             "  backoff_max: 1s\n";

double ms_of(steady_clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

void check_token_unavailable(const http_reply& r)
{
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "token_unavailable");
    BOOST_TEST(!r.header("Retry-After").empty());
    BOOST_TEST(r.header("Content-Type") == "application/json");
    BOOST_TEST(r.json().at("error").as_string() == "token_unavailable");
}

void outage_and_recovery(fake::endpoint_mode mode)
{
    fake::fake_options o;
    o.expires_in = 2;
    fake::fake_litmus fake(o);
    running_proxy proxy(yaml_for(fake, outage_settings));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    BOOST_TEST_REQUIRE(fake.token_request_count() == 1u);
    const auto issued_at = fake.token_requests().at(0).at;  // the fake's clock for expiry starts here
    fake.set_token_mode(mode);

    // Outage: until the token is long dead, the proxy has answered 503s and
    // 5 failed token requests show the backoff.
    auto down = paced_requests(proxy.port(), target, 20ms, 15s, [&](const load_result& r) {
        return r.count(503) >= 3 && fake.token_request_count() >= 6;
    });
    const auto failed = [&] {
        auto t = fake.token_requests();
        return std::vector<fake::recorded_request>(t.begin() + 1, t.end());
    }();
    BOOST_TEST_REQUIRE(failed.size() >= 5u);
    BOOST_TEST(down.count(200) + down.count(503) == down.samples.size(), "statuses other than 200/503");
    BOOST_TEST(down.count(401) == 0u);
    BOOST_TEST(down.count(503) >= 3u);
    BOOST_TEST(value_of(proxy.metrics().retries_unauthorized) == 0.0);
    BOOST_TEST(value_of(proxy.metrics().local_reply(errc::token_unavailable)) ==
               static_cast<double>(down.count(503)));

    // 200s while the old token was valid, some of them after the endpoint
    // failed; then only 503s.
    bool after_failure = false;
    bool seen_503 = false;
    for (std::size_t i = 0; i < down.samples.size(); ++i) {
        const auto& s = down.samples[i];
        BOOST_TEST_CONTEXT("request " << i << " sent " << ms_of(s.sent - issued_at) << " ms after the token")
        {
            if (s.reply.status == 200) {
                BOOST_TEST(!seen_503, "a 200 after a 503 while the endpoint was down");
                BOOST_TEST(ms_of(s.sent - issued_at) < 2000.0);
                after_failure = after_failure || s.sent > failed.front().at;
            } else if (s.reply.status == 503) {
                seen_503 = true;
                check_token_unavailable(s.reply);
            }
        }
    }
    BOOST_TEST(after_failure, "no request succeeded on the old token after the first failed refresh");

    // Backoff: gaps between consecutive failed token requests grow.
    std::vector<double> gaps;
    for (std::size_t i = 1; i < failed.size(); ++i)
        gaps.push_back(ms_of(failed[i].at - failed[i - 1].at));
    std::ostringstream g;
    for (auto x : gaps)
        g << ' ' << x;
    BOOST_TEST_MESSAGE("token_failure_test: gaps between failed token requests (ms):" << g.str());
    BOOST_TEST(gaps.back() > gaps.front());
    BOOST_TEST(gaps.back() > 150.0);

    // The endpoint returns: requests succeed again without a restart.
    fake.set_token_mode(fake::endpoint_mode::normal);
    const auto back_at = steady_clock::now();
    auto up = paced_requests(proxy.port(), target, 20ms, 5s,
                             [](const load_result& r) { return r.samples.back().reply.status == 200; });
    BOOST_TEST_REQUIRE(up.samples.back().reply.status == 200u);
    BOOST_TEST_MESSAGE("token_failure_test: recovered " << ms_of(steady_clock::now() - back_at)
                                                        << " ms after the endpoint returned");
    for (const auto& s : up.samples)
        if (s.reply.status != 200) {
            BOOST_TEST(s.reply.status == 503u);
            check_token_unavailable(s.reply);
        }
    auto after = paced_requests(proxy.port(), target, 20ms, 300ms);
    BOOST_TEST(after.count(200) == after.samples.size());
    BOOST_TEST(value_of(proxy.metrics().retries_unauthorized) == 0.0);
    BOOST_TEST(fake.issued_tokens().size() == 2u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_failure_test)

BOOST_AUTO_TEST_CASE(endpoint_answering_500_gives_503_after_expiry_backs_off_and_recovers)
{
    outage_and_recovery(fake::endpoint_mode::fail_500);
}

BOOST_AUTO_TEST_CASE(endpoint_closing_connections_gives_503_after_expiry_backs_off_and_recovers)
{
    outage_and_recovery(fake::endpoint_mode::close);
}

BOOST_AUTO_TEST_CASE(endpoint_never_answering_gives_503_after_expiry_backs_off_and_recovers)
{
    outage_and_recovery(fake::endpoint_mode::stall);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

// Background refresh against the fake Litmus with 2-second tokens: refreshes
// happen ahead of expiry and off the request path, and refresh tokens are
// used, rotated, and given up for client credentials when refused.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

constexpr std::string_view target = "/api/v2/users/current";  // the fake 401s expired tokens here

double ms_of(steady_clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

fake::fake_options short_tokens(bool refresh_tokens, bool rotate = true)
{
    fake::fake_options o;
    o.expires_in = 2;
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

// Requests every 20 ms (for at most 8 s) until the fake has seen `n` token
// requests: the workload during which refreshes happen.
load_result load_until_token_requests(const running_proxy& proxy, const fake::fake_litmus& fake, std::size_t n)
{
    return paced_requests(proxy.port(), target, 20ms, 8s,
                          [&](const load_result&) { return fake.token_request_count() >= n; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_refresh_test)

BOOST_AUTO_TEST_CASE(steady_stream_over_ten_seconds_is_served_by_background_refreshes_before_expiry)
{
    fake::fake_litmus fake(short_tokens(false));
    running_proxy proxy(yaml_for(fake));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    const double waits_after_warm_up = value_of(proxy.metrics().token_waits);

    auto load = paced_requests(proxy.port(), target, 10ms, 10s);

    // Every request succeeded, none had to wait for a token or be replayed.
    BOOST_TEST(load.samples.size() > 300u);
    BOOST_TEST(load.count(200) == load.samples.size());
    BOOST_TEST(value_of(proxy.metrics().token_waits) == waits_after_warm_up);
    BOOST_TEST(value_of(proxy.metrics().retries_unauthorized) == 0.0);
    BOOST_TEST(value_of(proxy.metrics().token_invalidations) == 0.0);

    // At least 3 refreshes, each started before the previous token expired.
    auto tokens = fake.token_requests();
    BOOST_TEST_REQUIRE(tokens.size() >= 4u);
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        BOOST_TEST_CONTEXT("token request " << i)
        {
            BOOST_TEST(grant_type(tokens[i]) == "client_credentials");
            BOOST_TEST(ms_of(tokens[i].at - tokens[i - 1].at) < 2000.0);
        }
    }
    BOOST_TEST(value_of(proxy.metrics().token_fetch(token::grant_kind::client_credentials,
                                                    admin::fetch_outcome::success)) ==
               static_cast<double>(tokens.size()));

    // Token requests per refresh: token requests closer than 500 ms together
    // belong to one refresh (refreshes are ~1.6 s apart).
    std::size_t refreshes = 0;
    std::size_t most_in_one_refresh = 0;
    for (std::size_t i = 0, run = 0; i < tokens.size(); ++i) {
        bool same = i > 0 && tokens[i].at - tokens[i - 1].at < 500ms;
        run = same ? run + 1 : 1;
        refreshes += same ? 0 : 1;
        most_in_one_refresh = std::max(most_in_one_refresh, run);
    }
    BOOST_TEST(most_in_one_refresh == 1u);

    // Latency of requests in flight within 100 ms of a refresh.
    steady_clock::duration around_refresh{0};
    std::size_t near = 0;
    for (const auto& s : load.samples)
        for (std::size_t i = 1; i < tokens.size(); ++i)
            if (s.sent <= tokens[i].at + 100ms && s.sent + s.latency >= tokens[i].at - 100ms) {
                around_refresh = std::max(around_refresh, s.latency);
                ++near;
                break;
            }
    BOOST_TEST(near > 0u);
    BOOST_TEST_MESSAGE("token_refresh_test: " << load.samples.size() << " requests in 10 s, "
                                              << tokens.size() - 1 << " refreshes, token requests per refresh: "
                                              << static_cast<double>(tokens.size()) / static_cast<double>(refreshes)
                                              << " (max " << most_in_one_refresh << ")");
    BOOST_TEST_MESSAGE("token_refresh_test: longest latency of a request within 100 ms of a refresh: "
                       << ms_of(around_refresh) << " ms (" << near << " requests); longest of all: "
                       << ms_of(load.max_latency()) << " ms");
}

BOOST_AUTO_TEST_CASE(refresh_token_is_used_rotated_and_refused_refresh_falls_back_to_client_credentials)
{
    fake::fake_litmus fake(short_tokens(true, true));
    running_proxy proxy(yaml_for(fake));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));

    // Two refreshes (~1.6 s apart) while requests keep flowing.
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

    // Refused refresh: at once, client credentials instead.
    fake.refuse_refresh(true);
    load = load_until_token_requests(proxy, fake, 5);
    BOOST_TEST(all_ok(load));
    tokens = fake.token_requests();
    refresh = fake.issued_refresh_tokens();
    BOOST_TEST_REQUIRE(tokens.size() >= 5u);
    BOOST_TEST_REQUIRE(refresh.size() >= 3u);
    BOOST_TEST(grant_type(tokens[3]) == "refresh_token");
    BOOST_TEST(refresh_token_sent(tokens[3]) == refresh[2]);
    BOOST_TEST(grant_type(tokens[4]) == "client_credentials");
    BOOST_TEST(ms_of(tokens[4].at - tokens[3].at) < 300.0);  // no backoff: a different grant
    BOOST_TEST(value_of(proxy.metrics().token_fetch(token::grant_kind::refresh_token,
                                                    admin::fetch_outcome::refresh_refused)) == 1.0);
    BOOST_TEST(value_of(proxy.metrics().retries_unauthorized) == 0.0);
    BOOST_TEST(value_of(proxy.metrics().token_waits) <= 1.0);  // at most the very first request
    BOOST_TEST(http_once(proxy.port(), http::verb::get, target).status == 200u);
}

BOOST_AUTO_TEST_CASE(refresh_token_is_kept_when_the_response_carries_no_new_one)
{
    fake::fake_litmus fake(short_tokens(true, false));
    running_proxy proxy(yaml_for(fake));
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

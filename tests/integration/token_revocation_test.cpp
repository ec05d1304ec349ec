// Upstream 401s: a revoked token is replaced once through the single flight
// and the request replayed; a second 401 is passed through; bodies over
// downstream.replay_limit are streamed, so their 401 is passed through too.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <latch>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view target = "/api/v2/users/current";

// Printable, position-dependent bytes: a reordered or truncated replay shows.
std::string body_of_size(std::size_t n)
{
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s(n, ' ');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = alphabet[(i * 7 + i / 64) % alphabet.size()];
    return s;
}

std::vector<fake::recorded_request> api_requests_from(const fake::fake_litmus& fake, std::size_t first)
{
    auto all = fake.api_requests();
    return {all.begin() + static_cast<std::ptrdiff_t>(std::min(first, all.size())), all.end()};
}

// A proxy (replay limit 1 KiB) holding a token the fake has just revoked.
struct revoked_token_fixture {
    fake::fake_litmus fake;
    running_proxy proxy{yaml_for(fake, "", "downstream:\n  replay_limit: 1024\n")};
    std::size_t api_before = 0;

    revoked_token_fixture()
    {
        BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
        api_before = fake.api_request_count();
        fake.revoke_all_tokens();
    }

    static http_reply post(http_client& c, const std::string& body)
    {
        return c.request(http::verb::post, "/api/v2/things", {{"Content-Type", "application/octet-stream"}}, body);
    }
};

// yaml_for() with the api upstream's connections sent through `gate`.
std::string yaml_with_api_via(const fake::fake_litmus& fake, const tcp_gate& gate, std::string_view extra)
{
    auto y = yaml_for(fake, "", extra);
    const std::string api = "prefix: /api\n    connect: ";
    auto at = y.find(api + fake.endpoint() + "\n");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    y.replace(at, api.size() + fake.endpoint().size(), api + gate.endpoint());
    return y;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_revocation_test)

BOOST_AUTO_TEST_CASE(fifty_concurrent_401s_after_revocation_make_one_token_request_and_all_succeed)
{
    fake::fake_litmus fake;
    // The API is reached through a gate, and every attempt opens its own
    // upstream connection (no pooling): a held connection means a request
    // that has picked its token. Holding all 50 until each has picked one
    // makes them all go out with the revoked token and all get a 401.
    tcp_gate gate(fake.port());
    running_proxy proxy(yaml_with_api_via(fake, gate, "upstream:\n  max_idle: 0\n"));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    const auto revoked = fake.issued_tokens().at(0);
    const auto token_requests_before = fake.token_request_count();
    const auto api_before = fake.api_request_count();
    fake.revoke_all_tokens();
    gate.hold();

    constexpr int n = 50;
    std::latch go(n);
    std::vector<http_reply> replies(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            http_client c(proxy.port());
            go.arrive_and_wait();
            replies[static_cast<std::size_t>(i)] = c.request(http::verb::get, target);
        });
    const bool all_held = gate.wait_for_held(n, 10s);
    gate.open();
    for (auto& t : threads)
        t.join();
    BOOST_TEST_REQUIRE(all_held);

    for (int i = 0; i < n; ++i)
        BOOST_TEST_CONTEXT("client " << i)
        {
            const auto& r = replies[static_cast<std::size_t>(i)];
            BOOST_TEST(r.status == 200u);
            BOOST_TEST(r.error.empty(), r.error);
        }
    BOOST_TEST(fake.token_request_count() == token_requests_before + 1);
    BOOST_TEST_REQUIRE(fake.issued_tokens().size() == 2u);
    const auto fresh = fake.issued_tokens().at(1);

    // Each request went out with the revoked token, got 401, and was replayed
    // once with the new one.
    auto api = api_requests_from(fake, api_before);
    std::size_t with_revoked = 0, with_fresh = 0;
    for (const auto& r : api) {
        with_revoked += r.bearer_token() == revoked ? 1 : 0;
        with_fresh += r.bearer_token() == fresh ? 1 : 0;
    }
    BOOST_TEST(with_revoked == std::size_t{n});
    BOOST_TEST(with_fresh == std::size_t{n});
    BOOST_TEST(api.size() == 2u * n);
    BOOST_TEST(value_of(proxy.app().forward_metrics().unauthorized(forward::unauthorized_outcome::succeeded)) == double{n});
    BOOST_TEST(value_of(proxy.app().token_metrics().invalidations) == 1.0);
    BOOST_TEST(unauthorized_retries(proxy) == double{n});

    // Later requests use the new token directly.
    BOOST_TEST(http_once(proxy.port(), http::verb::get, target).status == 200u);
    BOOST_TEST(fake.api_requests().back().bearer_token() == fresh);
    BOOST_TEST(value_of(proxy.app().forward_metrics().unauthorized(forward::unauthorized_outcome::succeeded)) == double{n});
}

BOOST_AUTO_TEST_CASE(second_401_is_passed_through_with_litmus_body_and_no_loop)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    const auto api_before = fake.api_request_count();
    const auto token_requests_before = fake.token_request_count();

    const std::string litmus_body = R"({"error":"unauthorized","message":"nope, not with this token"})";
    fake.set_raw_api_response(401, "application/json", litmus_body);
    fake.set_api_mode(fake::endpoint_mode::raw);

    auto r = http_once(proxy.port(), http::verb::get, target);
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(r.body == litmus_body);
    BOOST_TEST(r.header("Content-Type") == "application/json");
    BOOST_TEST(r.count("Litmus-Proxy-Error") == 0u);

    auto api = api_requests_from(fake, api_before);
    BOOST_TEST_REQUIRE(api.size() == 2u);
    BOOST_TEST(fake.api_request_count() == api_before + 2);
    BOOST_TEST(api[0].bearer_token() == fake.issued_tokens().at(0));
    BOOST_TEST(api[1].bearer_token() == fake.issued_tokens().at(1));
    // The second 401 drops the token the retry used, so one more is fetched
    // in the background (at once: the token before it had earned answers, so
    // this is the first never-accepted one refused). That is the next
    // request's token, not a third attempt at this one.
    BOOST_TEST(fake.wait_for_token_requests(token_requests_before + 2, 5s));
    BOOST_TEST(fake.token_request_count() == token_requests_before + 2);
    BOOST_TEST(value_of(proxy.app().forward_metrics().unauthorized(forward::unauthorized_outcome::unauthorized_again)) == 1.0);
    BOOST_TEST(unauthorized_retries(proxy) == 1.0);
}

BOOST_FIXTURE_TEST_CASE(post_under_replay_limit_is_replayed_byte_exact_with_the_new_token, revoked_token_fixture)
{

    const auto body = body_of_size(512);
    http_client c(proxy.port());
    auto r = post(c, body);
    BOOST_TEST(r.status == 200u);

    auto api = api_requests_from(fake, api_before);
    BOOST_TEST_REQUIRE(api.size() == 2u);
    BOOST_TEST((api[0].body == body));
    BOOST_TEST((api[1].body == body));
    BOOST_TEST(api[1].header("Content-Length") == "512");
    BOOST_TEST(api[0].bearer_token() == fake.issued_tokens().at(0));
    BOOST_TEST(api[1].bearer_token() == fake.issued_tokens().at(1));
    BOOST_TEST(value_of(proxy.app().forward_metrics().unauthorized(forward::unauthorized_outcome::succeeded)) == 1.0);
}

BOOST_FIXTURE_TEST_CASE(post_over_replay_limit_is_streamed_once_and_its_401_passed_through, revoked_token_fixture)
{

    const auto body = body_of_size(4096);
    http_client c(proxy.port());
    auto r = post(c, body);
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(r.count("Litmus-Proxy-Error") == 0u);
    BOOST_TEST(r.json().at("error").as_string() == "unauthorized");  // Litmus's own body

    auto api = api_requests_from(fake, api_before);
    BOOST_TEST_REQUIRE(api.size() == 1u);
    BOOST_TEST((api[0].body == body));
    BOOST_TEST(api[0].bearer_token() == fake.issued_tokens().at(0));
    BOOST_TEST(unauthorized_retries(proxy) == 0.0);
    BOOST_TEST(value_of(proxy.app().forward_metrics().unauthorized(forward::unauthorized_outcome::not_retried)) == 1.0);
}

BOOST_FIXTURE_TEST_CASE(streamed_401_still_drops_the_revoked_token_for_later_requests, revoked_token_fixture)
{
    // The streamed request cannot be replayed, but its 401 says the token is
    // dead: the next large request must not be sent with it again.
    const auto body = body_of_size(4096);
    http_client c(proxy.port());
    auto first = post(c, body);
    BOOST_TEST(first.status == 401u);
    auto again = post(c, body);
    BOOST_TEST(again.status == 200u);
    BOOST_TEST_REQUIRE(fake.issued_tokens().size() == 2u);
    BOOST_TEST(fake.api_requests().back().bearer_token() == fake.issued_tokens().at(1));
    BOOST_TEST((fake.api_requests().back().body == body));
    BOOST_TEST(value_of(proxy.app().token_metrics().invalidations) == 1.0);
}

BOOST_AUTO_TEST_CASE(tokens_revoked_right_after_each_successful_request_are_replaced_without_backoff)
{
    // Every token works and is then revoked a moment later, five times within
    // a few seconds. Each one earned a 200, so none is evidence that the
    // endpoint issues bad tokens: every replacement must be fetched at once.
    // The backoff is set far above the wait so that wrongly backing off shows
    // as a 503 on the spot rather than as a slow test.
    // Depends on the forwarder reporting non-401 answers (tokens.accepted()).
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "  backoff_initial: 4s\n  wait_timeout: 500ms\n"));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    const auto token_requests_before = fake.token_request_count();

    constexpr int rounds = 5;
    http_client c(proxy.port());
    for (int i = 0; i < rounds; ++i)
        BOOST_TEST_CONTEXT("revocation " << i + 1)
        {
            fake.revoke_all_tokens();
            auto r = c.request(http::verb::get, target);
            BOOST_TEST(r.status == 200u);
            BOOST_TEST(r.header("Litmus-Proxy-Error") == "");
            BOOST_TEST(fake.token_request_count() == token_requests_before + static_cast<std::size_t>(i) + 1);
            BOOST_TEST(fake.api_requests().back().bearer_token() == fake.issued_tokens().back());
        }
    BOOST_TEST(value_of(proxy.app().forward_metrics().unauthorized(forward::unauthorized_outcome::succeeded)) == double{rounds});
    BOOST_TEST(value_of(proxy.app().token_metrics().invalidations) == double{rounds});
    BOOST_TEST(value_of(proxy.app().forward_metrics().local_reply(errc::token_unavailable)) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

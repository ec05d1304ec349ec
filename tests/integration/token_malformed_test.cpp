// Malformed 200 answers from the token endpoint, end to end: a missing, string
// or huge expires_in still gives a usable token (default lifetime, or capped);
// every other defect gives the proxy's 503 and no request reaches the API, so
// a bad token never lands in a forwarded header.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;

// Unauthenticated on the fake, so a token it did not issue still gets 200:
// what reached the API is exactly what the proxy decided to send.
constexpr std::string_view target = "/api/bench/bytes/16";

// Rejected rows: a request finding no token is answered at once, so the
// test waits for the proxy's verdict on the answer, not for a timeout.
constexpr std::string_view no_wait = "  wait_timeout: 0ms\n";
// Usable rows: the request waits for the first fetch (no real wait once it
// has succeeded).
constexpr std::string_view short_wait = "  wait_timeout: 300ms\n";

struct row {
    std::string name;
    std::string content_type;
    std::string body;
};

double failed_fetches(running_proxy& proxy)
{
    double n = 0;
    for (auto o : {token::fetch_outcome::rejected, token::fetch_outcome::failed, token::fetch_outcome::bad_response})
        n += value_of(proxy.app().token_metrics().fetch(token::grant_kind::client_credentials, o));
    return n;
}

// Polls `done` for at most `limit`: nothing signals "the proxy has judged a
// token answer", but its metrics show it.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit)
{
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > give_up)
            return false;
        std::this_thread::sleep_for(1ms);  // polling interval, not synchronisation
    }
    return true;
}

void check_rejected(const row& t)
{
    fake::fake_litmus fake;
    fake.set_raw_token_response(200, t.content_type, t.body);
    fake.set_token_mode(fake::endpoint_mode::raw);
    running_proxy proxy(yaml_for(fake, no_wait));
    BOOST_TEST_REQUIRE(eventually([&] { return failed_fetches(proxy) >= 1.0; }, 5s));

    auto r = http_once(proxy.port(), http::verb::get, target);
    BOOST_TEST(r.status == 503u);
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "token_unavailable");
    BOOST_TEST(!r.header("Retry-After").empty());
    BOOST_TEST(fake.token_request_count() >= 1u);
    BOOST_TEST(fake.api_request_count() == 0u);
    BOOST_TEST(value_of(proxy.app().token_metrics().fetch(token::grant_kind::client_credentials,
                                                    token::fetch_outcome::success)) == 0.0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_malformed_test)

BOOST_AUTO_TEST_CASE(unusable_token_answers_give_503_and_nothing_is_forwarded)
{
    const std::string one_mb_token(1024 * 1024, 'a');
    const row rows[] = {
        {"not JSON", "application/json", "access_token=abc&expires_in=3600"},
        {"truncated JSON", "application/json", R"({"access_token":"abc","token_type":"Bearer","expires_in":36)"},
        {"JSON array", "application/json", R"([{"access_token":"abc","token_type":"Bearer","expires_in":3600}])"},
        {"expires_in zero", "application/json", R"({"access_token":"abc","token_type":"Bearer","expires_in":0})"},
        {"expires_in negative", "application/json",
         R"({"access_token":"abc","token_type":"Bearer","expires_in":-3600})"},
        {"access_token missing", "application/json", R"({"token_type":"Bearer","expires_in":3600})"},
        {"access_token empty", "application/json", R"({"access_token":"","token_type":"Bearer","expires_in":3600})"},
        {"access_token null", "application/json",
         R"({"access_token":null,"token_type":"Bearer","expires_in":3600})"},
        {"access_token with CR-LF", "application/json",
         R"({"access_token":"abc\r\nX-Injected: yes","token_type":"Bearer","expires_in":3600})"},
        {"access_token with space", "application/json",
         R"({"access_token":"abc def","token_type":"Bearer","expires_in":3600})"},
        {"1 MB access_token", "application/json",
         R"({"access_token":")" + one_mb_token + R"(","token_type":"Bearer","expires_in":3600})"},
        {"HTML error page", "text/html",
         "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
         "<body><h1>Service Unavailable</h1></body></html>"},
        {"token_type mac", "application/json", R"({"access_token":"abc","token_type":"mac","expires_in":3600})"},
    };
    for (const auto& t : rows)
        BOOST_TEST_CONTEXT(t.name) { check_rejected(t); }
}

BOOST_AUTO_TEST_CASE(odd_expires_in_still_gives_a_usable_token)
{
    struct usable_row {
        std::string name;
        std::string body;
        double lifetime_s;  // as the proxy assumed it
    };
    const usable_row rows[] = {
        {"expires_in missing", R"({"access_token":"tok-missing","token_type":"Bearer"})", 3600},  // default
        {"expires_in a string", R"({"access_token":"tok-string","token_type":"Bearer","expires_in":"7"})", 3600},
        {"expires_in huge", R"({"access_token":"tok-huge","token_type":"Bearer","expires_in":9999999999999})",
         86400},  // capped at max_lifetime
        {"expires_in huge double", R"({"access_token":"tok-double","token_type":"bearer","expires_in":1e300})",
         86400},
    };
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.name)
        {
            fake::fake_litmus fake;
            fake.set_raw_token_response(200, "application/json", t.body);
            fake.set_token_mode(fake::endpoint_mode::raw);
            running_proxy proxy(yaml_for(fake, short_wait));

            auto r = http_once(proxy.port(), http::verb::get, target);
            BOOST_TEST(r.status == 200u);
            auto api = fake.api_requests();
            BOOST_TEST_REQUIRE(api.size() == 1u);
            const auto expected = json::parse(t.body).as_object().at("access_token").as_string();
            BOOST_TEST(api[0].header("Authorization") == "Bearer " + std::string(expected));
            BOOST_TEST(proxy.app().token_metrics().lifetime_seconds.Value() == t.lifetime_s);
            BOOST_TEST(fake.token_request_count() == 1u);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

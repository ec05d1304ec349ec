// The access token Litmus echoes back must never reach the application.

#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/litmus_answers.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

BOOST_AUTO_TEST_SUITE(redaction_test)

BOOST_AUTO_TEST_CASE(token_echoed_by_ping_never_reaches_the_client)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake));
    http_client c(proxy.port());
    for (auto target : {"/api/v3/ping/authenticated", "/api/v3/ping/authenticated?x=1"}) {
        BOOST_TEST_CONTEXT(target)
        {
            auto r = c.request(http::verb::get, target);
            BOOST_TEST_REQUIRE(r.status == 200u);
            auto token = fake.issued_tokens().at(0);
            BOOST_TEST(r.body.find(token) == std::string::npos);
            auto meta = r.json().at("meta");
            BOOST_TEST(meta.at("accessToken").at("token").as_string() == "[REDACTED]");
            // Only the token is scrubbed: the rest of Litmus's answer is intact.
            BOOST_TEST(meta.at("ping").as_string() == "pong");
            BOOST_TEST(meta.at("accessToken").at("expiresInSeconds").as_int64() > 0);
            BOOST_TEST(meta.at("application").at("name").as_string() == fake::application_name);
            BOOST_TEST(r.header("Content-Length") == std::to_string(r.body.size()));
        }
    }
    // The connection stayed usable after the rewritten responses.
    BOOST_TEST(c.request(http::verb::get, "/api/v2/users/current").status == 200u);
}

// A compressing server would return the echoed token gzip-encoded, where the
// scrub cannot see it: the proxy asks for identity on token-echoing paths.
BOOST_AUTO_TEST_CASE(echoing_path_is_fetched_identity_encoded_whatever_the_client_accepts)
{
    fake::fake_litmus fake;  // gzips whenever the request's Accept-Encoding allows it, as Litmus does
    running_proxy proxy(yaml_for(fake));
    http_client c(proxy.port());
    auto r = c.request(http::verb::get, "/api/v3/ping/authenticated", {{"Accept-Encoding", "gzip, deflate"}});
    BOOST_TEST_REQUIRE(r.status == 200u);
    BOOST_TEST(r.header("Content-Encoding") == "");
    BOOST_TEST(r.body.find(fake.issued_tokens().at(0)) == std::string::npos);
    BOOST_TEST(r.json().at("meta").at("accessToken").at("token").as_string() == "[REDACTED]");
    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 1u);
    BOOST_TEST(api[0].header("Accept-Encoding") == "identity");

    // Other paths keep the client's choice: their bodies are passed on as they are.
    auto users = c.request(http::verb::get, "/api/v2/users/current", {{"Accept-Encoding", "gzip"}});
    BOOST_TEST(users.status == 200u);
    BOOST_TEST(users.header("Content-Encoding") == "gzip");
}

BOOST_AUTO_TEST_CASE(an_encoded_echo_is_not_passed_on)
{
    fake::fake_litmus fake;
    fake.set_compression(fake::compression::always);
    running_proxy proxy(yaml_for(fake));
    http_client c(proxy.port());
    auto r = c.request(http::verb::get, "/api/v3/ping/authenticated");
    BOOST_TEST(r.status == 502u);
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "upstream_unredactable_response");
    BOOST_TEST(r.json().at("error").as_string() == "upstream_unredactable_response");
    BOOST_TEST(fake.api_request_count() == 1u);
    // The connection is still good for the next request.
    fake.set_compression(fake::compression::off);
    BOOST_TEST(c.request(http::verb::get, "/api/v3/ping/authenticated").status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

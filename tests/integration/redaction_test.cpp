// The access token Litmus echoes back must never reach the application.

#include "tests/integration/proxy_fixture.hpp"

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
            BOOST_TEST(r.json().at("meta").at("accessToken").at("token").as_string() == "[REDACTED]");
            BOOST_TEST(r.header("Content-Length") == std::to_string(r.body.size()));
        }
    }
    // The connection stayed usable after the rewritten responses.
    BOOST_TEST(c.request(http::verb::get, "/api/v2/users/current").status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

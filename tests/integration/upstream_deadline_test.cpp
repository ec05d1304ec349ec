// An upstream that is alive but drips its answer a byte at a time never
// trips a per-read timeout; upstream.response_deadline bounds the whole
// response so such a server cannot hold a client (and a session) forever.
// Each case's client timeout is far longer than the deadline and shorter
// than the per-read timeout, so what ends the wait tells which one fired.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

BOOST_AUTO_TEST_SUITE(upstream_deadline_test)

BOOST_AUTO_TEST_CASE(a_late_header_gets_504_at_the_deadline)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", "upstream:\n  response_timeout: 10s\n  response_deadline: 200ms\n"));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), "/api/v2/users/current", std::chrono::seconds(5)));
    fake.set_api_mode(fake::endpoint_mode::hold);
    http_client c(proxy.port(), std::chrono::seconds(5));
    auto r = c.request(http::verb::get, "/api/v2/users/current");
    BOOST_TEST(r.status == 504u);
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "upstream_response_timeout");
    // The client connection is still good: the deadline cut the upstream only.
    fake.set_api_mode(fake::endpoint_mode::normal);
    BOOST_TEST(c.request(http::verb::get, "/api/v2/users/current").status == 200u);
}

BOOST_AUTO_TEST_CASE(a_dripping_body_is_cut_at_the_deadline)
{
    fake::fake_litmus fake;
    // The header comes at once; the 2,000-byte body would take 10 s.
    running_proxy proxy(yaml_for(fake, "", "upstream:\n  response_timeout: 10s\n  response_deadline: 500ms\n"));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), "/api/v2/users/current", std::chrono::seconds(5)));
    fake.set_api_mode(fake::endpoint_mode::drip);
    http_client c(proxy.port(), std::chrono::seconds(8));
    auto r = c.request(http::verb::get, "/api/bench/bytes/2000");
    // The status went out with the header; the body ends short and the
    // proxy closes the connection (without the deadline the client's own
    // 8 s timeout would end the read instead).
    BOOST_TEST(r.status == 0u);
    BOOST_TEST(r.error == beast::error_code(http::error::partial_message).message());
    BOOST_TEST(fake.api_request_count() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

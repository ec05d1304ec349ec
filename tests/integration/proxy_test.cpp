// The walking skeleton end to end: the real proxy, in-process, against the
// fake Litmus over real TLS on 127.0.0.1.

#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/test_ca.hpp"
#include "tests/support/test_https_client.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <thread>

namespace litmus::test {

namespace {

struct proxy_env {
    fake::fake_litmus fake;
    running_proxy proxy{yaml_for(fake)};
};

std::string only_token(const fake::fake_litmus& f)
{
    auto tokens = f.issued_tokens();
    BOOST_TEST_REQUIRE(tokens.size() == 1u);
    return tokens.front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_test)

BOOST_FIXTURE_TEST_CASE(get_through_api_upstream_arrives_with_token_and_returns_byte_exact, proxy_env)
{
    auto r = http_once(proxy.port(), http::verb::get, "/api/v2/users/current?expand=1");
    BOOST_TEST_REQUIRE(r.status == 200u);

    auto token = only_token(fake);
    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 1u);
    BOOST_TEST(api[0].method == "GET");
    BOOST_TEST(api[0].target == "/v2/users/current?expand=1");
    BOOST_TEST(api[0].host == "api.litmus.com");
    BOOST_TEST(api[0].sni == "api.litmus.com");
    BOOST_TEST(api[0].header("Authorization") == "Bearer " + token);

    // The same request made directly gets the same bytes.
    auto direct = https_request(fake.port(), fake.ca_file(), "api.litmus.com", "GET", "/v2/users/current?expand=1",
                                {{"Authorization", "Bearer " + token}});
    BOOST_TEST_REQUIRE(direct.ok());
    BOOST_TEST(r.body == direct.body);
    BOOST_TEST(r.header("Content-Type") == direct.header("Content-Type"));
}

BOOST_FIXTURE_TEST_CASE(json_post_through_instant_upstream_arrives_byte_exact, proxy_env)
{
    const std::string body = R"({"subject":"Hello","html":"<p>caf\u00e9 \u2603</p>","to":["a@example.com"]})";
    auto r = http_once(proxy.port(), http::verb::post, "/instant/v1/emails",
                       {{"Content-Type", "application/json"}}, body);
    BOOST_TEST_REQUIRE(r.status == 200u);
    BOOST_TEST(!r.json().at("email_guid").as_string().empty());

    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 1u);
    BOOST_TEST(api[0].method == "POST");
    BOOST_TEST(api[0].target == "/v1/emails");
    BOOST_TEST(api[0].host == "instant-api.litmus.com");
    BOOST_TEST(api[0].body == body);
    BOOST_TEST(api[0].header("Content-Type") == "application/json");
    BOOST_TEST(api[0].header("Authorization") == "Bearer " + only_token(fake));
}

BOOST_FIXTURE_TEST_CASE(post_through_api_and_get_through_instant_are_echoed_exactly, proxy_env)
{
    const std::string body = "{\"a\":1,\n \"b\": [true, null]}";
    auto r = http_once(proxy.port(), http::verb::post, "/api/v2/things?x=%20y", {{"Content-Type", "application/json"}},
                       body);
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto echo = r.json().as_object();
    BOOST_TEST(echo.at("method").as_string() == "POST");
    BOOST_TEST(echo.at("target").as_string() == "/v2/things?x=%20y");
    BOOST_TEST(echo.at("host").as_string() == "api.litmus.com");
    BOOST_TEST(echo.at("body").as_string() == body);

    auto g = http_once(proxy.port(), http::verb::get, "/instant/v1/templates/42");
    BOOST_TEST_REQUIRE(g.status == 200u);
    BOOST_TEST(g.json().at("target").as_string() == "/v1/templates/42");
    BOOST_TEST(g.json().at("host").as_string() == "instant-api.litmus.com");
}

BOOST_FIXTURE_TEST_CASE(large_response_streams_through_intact, proxy_env)
{
    auto r = http_once(proxy.port(), http::verb::get, "/api/bench/bytes/300000");
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto direct = https_request(fake.port(), fake.ca_file(), "api.litmus.com", "GET", "/bench/bytes/300000",
                                {{"Authorization", "Bearer " + only_token(fake)}});
    BOOST_TEST_REQUIRE(direct.ok());
    BOOST_TEST(r.body.size() == 300000u);
    BOOST_TEST((r.body == direct.body));
}

BOOST_FIXTURE_TEST_CASE(fifty_requests_some_concurrent_make_one_token_request, proxy_env)
{
    // 20 concurrent first requests race for the very first token...
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 20; ++i)
        threads.emplace_back([&] {
            if (http_once(proxy.port(), http::verb::get, "/api/v3/ping/authenticated").status == 200)
                ++ok;
        });
    for (auto& t : threads)
        t.join();
    // ...then 30 more on one keep-alive connection.
    http_client c(proxy.port());
    for (int i = 0; i < 30; ++i)
        if (c.request(http::verb::get, "/api/v2/users/current").status == 200)
            ++ok;
    BOOST_TEST(ok.load() == 50);
    BOOST_TEST(fake.token_request_count() == 1u);
    BOOST_TEST(fake.api_request_count() == 50u);
    auto tr = fake.token_requests();
    auto sent = json::parse(tr.at(0).body).as_object();
    BOOST_TEST(sent.at("grant_type").as_string() == "client_credentials");
    BOOST_TEST(sent.at("client_id").as_string() == "test-client");
    BOOST_TEST(tr.at(0).header("Content-Type") == "application/json");
    BOOST_TEST(tr.at(0).host == "litmus.com");
    // Upstream connections were reused, not opened per request.
    BOOST_TEST(fake.connections_accepted() < 30u);
}

BOOST_FIXTURE_TEST_CASE(client_credentials_and_hop_by_hop_headers_never_reach_litmus, proxy_env)
{
    auto r = http_once(proxy.port(), http::verb::get, "/api/v2/users/current",
                       {{"Authorization", "Bearer made-up-by-client"},
                        {"Authorization", "Basic c2Vjb25kOm9uZQ=="},
                        {"Proxy-Authorization", "Basic eDp5"},
                        {"Connection", "keep-alive, X-Drop-Me"},
                        {"X-Drop-Me", "1"},
                        {"X-Keep-Me", "2"}});
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 1u);
    int authorizations = 0;
    for (const auto& [k, v] : api[0].headers)
        authorizations += beast::iequals(k, "authorization") ? 1 : 0;
    BOOST_TEST(authorizations == 1);
    BOOST_TEST(api[0].header("Authorization") == "Bearer " + only_token(fake));
    BOOST_TEST(!api[0].has_header("Proxy-Authorization"));
    BOOST_TEST(!api[0].has_header("X-Drop-Me"));
    BOOST_TEST(api[0].header("X-Keep-Me") == "2");
}

// An interim answer relayed as the final one would leave the real answer on
// the pooled connection, where it would answer the next request.
BOOST_FIXTURE_TEST_CASE(interim_responses_are_dropped_and_answers_stay_in_step, proxy_env)
{
    fake.set_api_preamble("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                          "HTTP/1.1 100 Continue\r\n\r\n");
    http_client c(proxy.port());
    for (int i = 0; i < 3; ++i) {
        auto target = "/api/v2/anything?n=" + std::to_string(i);
        auto r = c.request(http::verb::get, target);
        BOOST_TEST_REQUIRE(r.status == 200u);
        BOOST_TEST(r.json().at("target").as_string() == "/v2/anything?n=" + std::to_string(i));
    }
    BOOST_TEST(fake.connections_accepted() == 2u);  // token endpoint + one reused API connection

    // 101 was never asked for (Upgrade is not forwarded): refused, not relayed.
    fake.set_api_preamble("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
    auto r = c.request(http::verb::get, "/api/v2/anything");
    BOOST_TEST(r.status == 502u);
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "upstream_bad_response");
}

BOOST_FIXTURE_TEST_CASE(unknown_routes_get_json_errors_and_nothing_is_forwarded, proxy_env)
{
    struct row {
        std::string target;
        header_pairs headers;
        unsigned status;
        std::string error;
    };
    const row rows[] = {
        {"/nope/v3/ping/authenticated", {}, 404, "route_not_found"},
        {"/apiv3/ping", {}, 404, "route_not_found"},
        // A Host that is no local name is refused before routing (DNS rebinding).
        {"/v3/ping/authenticated", {{"Host", "evil.example.com"}}, 421, "host_not_allowed"},
        {"http://evil.example.com/v3/ping/authenticated", {{"Host", "evil.example.com"}}, 421, "host_not_allowed"},
        {"http://evil.example.com/api/v3/ping/authenticated", {{"Host", "api.litmus.com"}}, 421, "misdirected_request"},
        {"/api/../v3/ping/authenticated", {}, 400, "bad_request"},
    };
    http_client c(proxy.port());
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.target)
        {
            auto r = c.request(http::verb::get, t.target, t.headers);
            BOOST_TEST(r.status == t.status);
            BOOST_TEST(r.header("Content-Type") == "application/json");
            BOOST_TEST(r.header("Litmus-Proxy-Error") == t.error);
            auto j = r.json().as_object();
            BOOST_TEST(j.at("error").as_string() == t.error);
            BOOST_TEST(!j.at("message").as_string().empty());
        }
    }
    BOOST_TEST(fake.api_request_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(absolute_form_requests_route_by_authority, proxy_env)
{
    auto r = http_once(proxy.port(), http::verb::get, "http://api.litmus.com/v2/users/current",
                       {{"Host", "api.litmus.com"}});
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 1u);
    BOOST_TEST(api[0].target == "/v2/users/current");
    BOOST_TEST(api[0].host == "api.litmus.com");
}

BOOST_AUTO_TEST_CASE(untrusted_upstream_certificate_is_502_and_no_token_is_sent)
{
    // The token endpoint is trusted (its CA is configured); the API host
    // presents a certificate from another CA.
    fake::fake_litmus token_fake;
    fake::fake_litmus api_fake;
    auto yaml = "listen: 127.0.0.1:0\n"
                "admin:\n  listen: 127.0.0.1:0\n"
                "token:\n  connect: " + token_fake.endpoint() + "\n"
                "upstreams:\n"
                "  - name: api\n    url: https://api.litmus.com\n    prefix: /api\n    connect: " + api_fake.endpoint() + "\n"
                "tls:\n  ca_file: " + token_fake.ca_file() + "\n";
    running_proxy proxy(yaml);
    auto r = http_once(proxy.port(), http::verb::get, "/api/v3/ping/authenticated");
    BOOST_TEST(r.status == 502u);
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "upstream_tls_handshake");
    BOOST_TEST(token_fake.token_request_count() == 1u);
    BOOST_TEST(api_fake.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(certificate_for_another_host_name_is_502_and_no_token_is_sent)
{
    // Trusted CA, but the certificate does not name the upstream's host.
    fake::fake_litmus fake;
    auto yaml = "listen: 127.0.0.1:0\n"
                "admin:\n  listen: 127.0.0.1:0\n"
                "token:\n  connect: " + fake.endpoint() + "\n"
                "upstreams:\n"
                "  - name: api\n    url: https://api.other-company.example\n    prefix: /api\n    connect: " + fake.endpoint() + "\n"
                "tls:\n  ca_file: " + fake.ca_file() + "\n";
    running_proxy proxy(yaml);
    auto r = http_once(proxy.port(), http::verb::get, "/api/v3/ping/authenticated");
    BOOST_TEST(r.status == 502u);
    BOOST_TEST(r.header("Litmus-Proxy-Error") == "upstream_tls_handshake");
    BOOST_TEST(fake.api_request_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

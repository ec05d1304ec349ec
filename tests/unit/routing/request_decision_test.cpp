#include "proxy/routing/request_decision.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

namespace litmus::routing {

namespace http = boost::beast::http;

namespace {

router default_router()
{
    return router({{"api.litmus.com", "/api", ""}, {"instant-api.litmus.com", "/instant", ""}});
}

request_policy default_policy()
{
    request_policy p;
    p.max_target_length = 64;
    p.trust.upstream_hosts = {"api.litmus.com", "instant-api.litmus.com"};
    p.trust.allowed_hosts = {"litmus-proxy.default.svc", "[fd00::1]"};
    p.trust.allowed_origins = {"https://app.example"};
    return p;
}

struct row {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> fields;
    std::string expected;  ///< "ok" or the errc name
    unsigned version = 11;
};

std::string decide(const row& r)
{
    http::request_header<> req;
    req.method_string(r.method);
    req.target(r.target);
    req.version(r.version);
    for (const auto& [k, v] : r.fields)
        req.insert(k, v);
    auto d = decide_request(req, default_router(), default_policy());
    return d ? "ok" : std::string(name_of(d.error()));
}

using fields = std::vector<std::pair<std::string, std::string>>;
const fields local{{"Host", "127.0.0.1:8080"}};

}  // namespace

BOOST_AUTO_TEST_SUITE(request_decision_test)

BOOST_AUTO_TEST_CASE(host_must_name_this_machine_an_upstream_or_an_allowed_name)
{
    const row rows[] = {
        {"GET", "/api/x", {{"Host", "localhost"}}, "ok"},
        {"GET", "/api/x", {{"Host", "LocalHost:1"}}, "ok"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}}, "ok"},
        {"GET", "/api/x", {{"Host", "127.255.3.4:65535"}}, "ok"},
        {"GET", "/api/x", {{"Host", "[::1]:8080"}}, "ok"},
        {"GET", "/api/x", {{"Host", "[::1]"}}, "ok"},
        {"GET", "/api/x", {{"Host", "[::ffff:127.0.0.1]"}}, "ok"},
        {"GET", "/x", {{"Host", "api.litmus.com"}}, "ok"},
        {"GET", "/x", {{"Host", "API.Litmus.com:443"}}, "ok"},
        {"GET", "/api/x", {{"Host", "litmus-proxy.default.svc:8080"}}, "ok"},
        {"GET", "/api/x", {{"Host", "[fd00::1]:80"}}, "ok"},
        {"GET", "http://api.litmus.com/x", {{"Host", "api.litmus.com"}}, "ok"},
        // DNS rebinding: a page on evil.example resolving to 127.0.0.1.
        {"GET", "/api/x", {{"Host", "evil.example:8080"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1.evil.example"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "localhost.evil.example"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "10.0.0.1"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "[::2]"}}, "host_not_allowed"},
        // Resolver-dependent spellings of 127.0.0.1 are not loopback to us.
        {"GET", "/api/x", {{"Host", "127.1"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "0x7f.0.0.1"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "0177.0.0.1"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.256"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1."}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.000.0.1"}}, "host_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.255.255.254:1"}}, "ok"},
        {"GET", "http://api.litmus.com/x", {{"Host", "evil.example"}}, "host_not_allowed"},
        // RFC 9112 §3.2: missing or repeated Host is 400.
        {"GET", "/api/x", {}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost"}, {"Host", "localhost"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost"}, {"X-A", "1"}, {"Host", "evil.example"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", ""}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost@evil.example"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "127.0.0.1:80:80"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost:"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost:8o"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost:123456"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "[::1"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "[::1]x"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "[zz::1]"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "local host"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost/x"}}, "invalid_host"},
        {"GET", "/api/x", {{"Host", "localhost\\x"}}, "invalid_host"},
    };
    for (const auto& r : rows)
        BOOST_TEST_CONTEXT(r.target << " " << (r.fields.empty() ? "" : r.fields.back().second))
        {
            BOOST_TEST(decide(r) == r.expected);
        }
}

BOOST_AUTO_TEST_CASE(browsers_are_refused_unless_their_origin_is_allowed)
{
    const row rows[] = {
        {"POST", "/instant/v1/emails", {{"Host", "127.0.0.1"}, {"Origin", "https://evil.example"}}, "origin_not_allowed"},
        {"POST", "/instant/v1/emails", {{"Host", "127.0.0.1"}, {"Origin", "null"}}, "origin_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Sec-Fetch-Site", "cross-site"}}, "origin_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Sec-Fetch-Site", "same-site"}}, "origin_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Sec-Fetch-Site", "none"}, {"Sec-Fetch-Site", "cross-site"}},
         "origin_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Origin", "https://app.example"}, {"Origin", "https://evil.example"}},
         "origin_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Origin", "https://app.example.evil"}}, "origin_not_allowed"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Sec-Fetch-Site", "none"}}, "ok"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Sec-Fetch-Site", "same-origin"}}, "ok"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Origin", "https://app.example"}}, "ok"},
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Origin", "HTTPS://APP.EXAMPLE"}, {"Sec-Fetch-Site", "cross-site"}},
         "ok"},
    };
    for (const auto& r : rows)
        BOOST_TEST_CONTEXT(r.fields.back().first << ": " << r.fields.back().second)
        {
            BOOST_TEST(decide(r) == r.expected);
        }
}

BOOST_AUTO_TEST_CASE(request_line_is_bounded_and_trace_connect_answered_locally)
{
    const row rows[] = {
        {"TRACE", "/api/x", local, "method_not_allowed"},
        {"trace", "/api/x", local, "method_not_allowed"},
        {"Connect", "/api/x", local, "method_not_allowed"},
        {"CONNECT", "api.litmus.com:443", local, "method_not_allowed"},
        {"OPTIONS", "*", local, "method_not_allowed"},
        {std::string(33, 'A'), "/api/x", local, "method_not_implemented"},
        {std::string(32, 'A'), "/api/x", local, "ok"},
        {"PROPFIND", "/api/x", local, "ok"},
        {"GET", "/api/" + std::string(59, 'x'), local, "ok"},
        {"GET", "/api/" + std::string(60, 'x'), local, "target_too_long"},
        // Framing is checked first: nothing else about such a request can be trusted.
        {"GET", "/api/x", {{"Host", "127.0.0.1"}, {"Transfer-Encoding", "chunked"}}, "bad_request", 10},
        {"GET", "/api/x", local, "version_not_supported", 20},
        {"GET", "/api/x", {{"Host", "evil.example"}, {"Content-Length", "1"}, {"Content-Length", "1"}}, "bad_request"},
        {"GET", "/nope", local, "route_not_found"},
        {"GET", "/api/../x", local, "bad_request"},
    };
    for (const auto& r : rows)
        BOOST_TEST_CONTEXT(r.method.substr(0, 40) << " " << r.target.substr(0, 40))
        {
            BOOST_TEST(decide(r) == r.expected);
        }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::routing

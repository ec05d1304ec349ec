#include "proxy/routing/router.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::routing {

namespace {

router default_router()
{
    return router({{"api.litmus.com", "/api", ""}, {"instant-api.litmus.com", "/instant", ""}});
}

struct row {
    std::string_view target;
    std::string_view host;
    int upstream;            // -1: an error is expected
    std::string_view out;    // forwarded target, or the expected error name
};

}  // namespace

BOOST_AUTO_TEST_SUITE(router_test)

BOOST_AUTO_TEST_CASE(routes_by_prefix_host_and_authority)
{
    const row rows[] = {
        {"/api/v3/ping/authenticated", "localhost:8080", 0, "/v3/ping/authenticated"},
        {"/api/v2/users/current?x=1&y=2", "127.0.0.1:8080", 0, "/v2/users/current?x=1&y=2"},
        {"/api", "localhost", 0, "/"},
        {"/api?x=1", "localhost", 0, "/?x=1"},
        {"/instant/v1/emails", "localhost", 1, "/v1/emails"},
        // Host naming an upstream wins; the path is kept whole.
        {"/v3/ping/authenticated", "api.litmus.com", 0, "/v3/ping/authenticated"},
        {"/v1/emails", "INSTANT-API.litmus.com:80", 1, "/v1/emails"},
        // Absolute form, as sent by clients using us as http_proxy.
        {"http://api.litmus.com/v2/users/current", "api.litmus.com", 0, "/v2/users/current"},
        {"http://instant-api.litmus.com:80/v1/emails?a=b", "", 1, "/v1/emails?a=b"},
        {"http://api.litmus.com", "", 0, "/"},
        {"http://api.litmus.com?q", "", 0, "/?q"},
        {"HTTPS://API.LITMUS.COM/x", "", 0, "/x"},
        // Query syntax APIs use, percent-encoding and sub-delims pass as they are.
        {"/api/v2/x?f[a]=1&q=%20%2F|{}", "localhost", 0, "/v2/x?f[a]=1&q=%20%2F|{}"},
        {"/api/v2/a:b@c!$&'()*+,;=~", "localhost", 0, "/v2/a:b@c!$&'()*+,;=~"},
    };
    auto r = default_router();
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.target << " host=" << t.host)
        {
            auto m = r.match(t.target, t.host);
            BOOST_TEST_REQUIRE(m.has_value());
            BOOST_TEST(static_cast<int>(m->upstream) == t.upstream);
            BOOST_TEST(m->target == t.out);
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_what_it_must_not_forward)
{
    const row rows[] = {
        {"/apix/v3/ping", "localhost", -1, "route_not_found"},
        {"/unknown", "localhost", -1, "route_not_found"},
        {"/", "localhost", -1, "route_not_found"},
        {"/v3/ping", "evil.example.com", -1, "route_not_found"},
        {"/_litmus/users/x", "localhost", -1, "route_not_found"},
        {"http://evil.example.com/v3/ping", "evil.example.com", -1, "misdirected_request"},
        // A made-up Host does not redirect an absolute-form request, and vice versa.
        {"http://evil.example.com/api/v3/ping", "api.litmus.com", -1, "misdirected_request"},
        {"http://api.litmus.com.evil.example/x", "", -1, "misdirected_request"},
        {"http://user@api.litmus.com/x", "", -1, "bad_request"},
        {"api.litmus.com:443", "", -1, "method_not_allowed"},
        {"*", "", -1, "method_not_allowed"},
        {"/api/../admin", "localhost", -1, "bad_request"},
        {"/api/%2e%2e/admin", "localhost", -1, "bad_request"},
        {"/api/./x", "localhost", -1, "bad_request"},
        {"/v3/%2E%2E/x", "api.litmus.com", -1, "bad_request"},
        {"http://api.litmus.com/a/../b", "", -1, "bad_request"},
        {"", "", -1, "bad_request"},
        {"/api/v2\\..\\admin", "localhost", -1, "bad_request"},
        {"/api/v2/users#frag", "localhost", -1, "bad_request"},
        {"/api/v2/%zz", "localhost", -1, "bad_request"},
        {"/api/v2/%2", "localhost", -1, "bad_request"},
        {"/api/v2/\x7f", "localhost", -1, "bad_request"},
        {"/api/v2/caf\xc3\xa9", "localhost", -1, "bad_request"},
        {"http://api.litmus.com/a\\b", "", -1, "bad_request"},
    };
    auto r = default_router();
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.target << " host=" << t.host)
        {
            auto m = r.match(t.target, t.host);
            BOOST_TEST_REQUIRE(m.has_error());
            BOOST_TEST(name_of(m.error()) == t.out);
        }
    }
}

BOOST_AUTO_TEST_CASE(upstream_url_path_is_prepended)
{
    router r({{"api.litmus.com", "/api", "/base"}});
    auto m = r.match("/api/v3/ping?x=1", "localhost");
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(m->target == "/base/v3/ping?x=1");
    auto h = r.match("/v2/users", "api.litmus.com");
    BOOST_TEST_REQUIRE(h.has_value());
    BOOST_TEST(h->target == "/base/v2/users");
}

BOOST_AUTO_TEST_CASE(dot_segments_only_when_whole_segments)
{
    BOOST_TEST(!has_dot_segment("/v1/file.json"));
    BOOST_TEST(!has_dot_segment("/a..b/c"));
    BOOST_TEST(!has_dot_segment("/.well-known/x"));
    BOOST_TEST(has_dot_segment("/a/.."));
    BOOST_TEST(has_dot_segment("/./a"));
    BOOST_TEST(has_dot_segment("/a/.%2e/b"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::routing

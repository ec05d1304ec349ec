// Request ids and the access line: a well-formed X-Request-Id travels from
// the client to Litmus and back, anything else is replaced by a generated
// id, every reply (the proxy's own included) carries one, and the access
// line reports what happened to the request.

#include "tests/integration/log_capture_fixture.hpp"
#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view users = "/api/v2/users/current";

bool is_generated_id(std::string_view id)
{
    static const std::regex hex16("[0-9a-f]{16}");
    return std::regex_match(id.begin(), id.end(), hex16);
}

std::size_t count_of(const fake::recorded_request& r, std::string_view name)
{
    std::size_t n = 0;
    for (const auto& [k, v] : r.headers)
        n += beast::iequals(k, name) ? 1 : 0;
    return n;
}

// The access line whose id is `id`; fails the test when there is none.
json::object access_line(const log_capture& logs, std::string_view id)
{
    for (int attempt = 0; attempt < 2; ++attempt) {
        // Written after the response: wait for one more line than seen.
        auto seen = logs.events("access");
        for (const auto& line : seen)
            if (line.at("id").as_string() == id)
                return line;
        logs.wait_for("access", seen.size() + 1);
    }
    for (const auto& line : logs.events("access"))
        if (line.at("id").as_string() == id)
            return line;
    BOOST_FAIL("no access line with id " << id);
    return {};
}

// The proxy holding its first token, its log lines captured.
struct proxy_with_logs {
    log_capture logs;
    fake::fake_litmus fake;
    running_proxy proxy;

    explicit proxy_with_logs(std::string_view token_extra = "", std::string_view extra = "")
        : proxy(yaml_for(fake, token_extra, extra))
    {
        BOOST_TEST_REQUIRE(await_ok(proxy.port(), users, 5s));
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(request_id_test)

BOOST_AUTO_TEST_CASE(a_well_formed_id_goes_upstream_and_back_to_the_client)
{
    proxy_with_logs p;
    const std::string id = "Req-42.abc_DEF:0123456789-0123456789-0123456789-0123456789-01234";  // 64 chars
    BOOST_TEST_REQUIRE(id.size() == 64u);
    auto r = http_once(p.proxy.port(), http::verb::get, users, {{"X-Request-Id", id}});
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.count("X-Request-Id") == 1u);
    BOOST_TEST(r.header("X-Request-Id") == id);

    auto upstream = p.fake.api_requests().back();
    BOOST_TEST(count_of(upstream, "X-Request-Id") == 1u);
    BOOST_TEST(upstream.header("X-Request-Id") == id);
    BOOST_TEST(access_line(p.logs, id).at("status").as_int64() == 200);

    // The token-echoing ping is relayed scrubbed (another relay): the id too.
    auto ping = http_once(p.proxy.port(), http::verb::get, "/api/v3/ping/authenticated", {{"X-Request-Id", "ping-1"}});
    BOOST_TEST(ping.status == 200u);
    BOOST_TEST(ping.count("X-Request-Id") == 1u);
    BOOST_TEST(ping.header("X-Request-Id") == "ping-1");
    BOOST_TEST(p.fake.api_requests().back().header("X-Request-Id") == "ping-1");
}

BOOST_AUTO_TEST_CASE(malformed_overlong_and_repeated_ids_are_replaced_and_never_logged)
{
    proxy_with_logs p;
    const std::vector<header_pairs> sent = {
        {{"X-Request-Id", "has spaces in-it"}},
        {{"X-Request-Id", std::string(65, 'a')}},
        {{"X-Request-Id", "quote\"and{json}"}},
        {{"X-Request-Id", "caf\xc3\xa9-unicode"}},
        {{"X-Request-Id", "tab\tinside"}},
        {{"X-Request-Id", "comma,separated"}},
        {{"X-Request-Id", "twice-one"}, {"X-Request-Id", "twice-two"}},
    };
    std::set<std::string> ids;
    for (const auto& headers : sent) {
        BOOST_TEST_CONTEXT(headers.front().second)
        {
            auto r = http_once(p.proxy.port(), http::verb::get, users, headers);
            BOOST_TEST(r.status == 200u);
            BOOST_TEST(r.count("X-Request-Id") == 1u);
            auto id = r.header("X-Request-Id");
            BOOST_TEST(is_generated_id(id), id);
            ids.insert(id);

            auto upstream = p.fake.api_requests().back();
            BOOST_TEST(count_of(upstream, "X-Request-Id") == 1u);
            BOOST_TEST(upstream.header("X-Request-Id") == id);
            BOOST_TEST(access_line(p.logs, id).at("status").as_int64() == 200);
        }
    }
    BOOST_TEST(ids.size() == sent.size());
    for (const auto& line : p.logs.lines())
        for (auto needle : {"spaces", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "quote", "unicode",
                            "inside", "separated", "twice"})
            BOOST_TEST(line.find(needle) == std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(requests_without_an_id_get_distinct_generated_ones)
{
    proxy_with_logs p;
    http_client c(p.proxy.port());
    std::set<std::string> ids;
    for (int i = 0; i < 20; ++i) {
        auto r = c.request(http::verb::get, users);
        BOOST_TEST(r.status == 200u);
        auto id = r.header("X-Request-Id");
        BOOST_TEST(is_generated_id(id), id);
        BOOST_TEST(p.fake.api_requests().back().header("X-Request-Id") == id);
        ids.insert(id);
    }
    BOOST_TEST(ids.size() == 20u);
}

BOOST_AUTO_TEST_CASE(the_proxys_own_replies_carry_the_id)
{
    proxy_with_logs p;
    auto api_before = p.fake.api_request_count();

    auto unknown = http_once(p.proxy.port(), http::verb::get, "/nowhere?x=1", {{"X-Request-Id", "client-7"}});
    BOOST_TEST(unknown.status == 404u);
    BOOST_TEST(unknown.header("Litmus-Proxy-Error") == "route_not_found");
    BOOST_TEST(unknown.header("X-Request-Id") == "client-7");
    auto line = access_line(p.logs, "client-7");
    BOOST_TEST(line.at("error").as_string() == "route_not_found");
    BOOST_TEST(line.at("route").as_string() == "none");
    BOOST_TEST(line.at("path").as_string() == "/nowhere");

    auto refused = http_once(p.proxy.port(), http::verb::trace, "/api/x", {{"X-Request-Id", "bad id"}});
    BOOST_TEST(refused.status == 405u);
    BOOST_TEST(is_generated_id(refused.header("X-Request-Id")));

    // Not even a request line: the id is generated.
    http_client raw(p.proxy.port());
    auto garbage = raw.raw("NOT HTTP AT ALL\r\nX-Request-Id: mine\r\n\r\n");
    BOOST_TEST(garbage.status == 400u);
    BOOST_TEST(is_generated_id(garbage.header("X-Request-Id")), garbage.header("X-Request-Id"));
    BOOST_TEST(access_line(p.logs, garbage.header("X-Request-Id")).at("status").as_int64() == 400);

    BOOST_TEST(p.fake.api_request_count() == api_before);
}

BOOST_AUTO_TEST_CASE(the_access_line_reports_method_route_path_status_and_bytes)
{
    proxy_with_logs p;
    const std::string body = R"({"subject":"hello","to":["a@example.com"]})";
    auto r = http_once(p.proxy.port(), http::verb::post, "/instant/v1/emails?secret-query=1",
                       {{"Content-Type", "application/json"}, {"X-Request-Id", "post-1"}}, body);
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto line = access_line(p.logs, "post-1");
    BOOST_TEST(line.at("method").as_string() == "POST");
    BOOST_TEST(line.at("route").as_string() == "instant");
    BOOST_TEST(line.at("path").as_string() == "/instant/v1/emails");
    BOOST_TEST(line.at("status").as_int64() == 200);
    BOOST_TEST(line.at("upstream_status").as_int64() == 200);
    BOOST_TEST(line.at("retried").as_bool() == false);
    BOOST_TEST(line.at("bytes_in").as_int64() == static_cast<std::int64_t>(body.size()));
    BOOST_TEST(line.at("bytes_out").as_int64() == static_cast<std::int64_t>(r.body.size()));
    BOOST_TEST(line.at("duration_ms").is_number());
    BOOST_TEST(line.at("duration_ms").to_number<double>() >= 0.0);
    BOOST_TEST(!line.contains("error"));
    for (const auto& raw : p.logs.lines())
        BOOST_TEST(raw.find("secret-query") == std::string::npos);

    // A large response, streamed through.
    auto big = http_once(p.proxy.port(), http::verb::get, "/api/bench/bytes/100000", {{"X-Request-Id", "big-1"}});
    BOOST_TEST_REQUIRE(big.status == 200u);
    auto big_line = access_line(p.logs, "big-1");
    BOOST_TEST(big_line.at("bytes_out").as_int64() == 100000);
    BOOST_TEST(big_line.at("bytes_in").as_int64() == 0);

    // A chunked request body, streamed upstream: bytes_in counts the body,
    // not the chunk framing.
    http_client c(p.proxy.port());
    auto chunked = c.raw("POST /api/v2/things HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: chunked-1\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    BOOST_TEST_REQUIRE(chunked.status == 200u);
    BOOST_TEST(p.fake.api_requests().back().body == "hello world");
    auto chunked_line = access_line(p.logs, "chunked-1");
    BOOST_TEST(chunked_line.at("bytes_in").as_int64() == 11);
    BOOST_TEST(chunked_line.at("bytes_out").as_int64() == static_cast<std::int64_t>(chunked.body.size()));
}

BOOST_AUTO_TEST_CASE(a_401_retry_is_marked_in_the_access_line)
{
    proxy_with_logs p;
    p.fake.revoke_all_tokens();
    auto r = http_once(p.proxy.port(), http::verb::post, "/api/v2/things", {{"X-Request-Id", "retry-1"}}, "abc");
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto line = access_line(p.logs, "retry-1");
    BOOST_TEST(line.at("retried").as_bool() == true);
    BOOST_TEST(line.at("upstream_status").as_int64() == 200);
    BOOST_TEST(line.at("bytes_in").as_int64() == 3);
    // Both attempts carried the same id.
    auto api = p.fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() >= 2u);
    BOOST_TEST(api[api.size() - 2].header("X-Request-Id") == "retry-1");
    BOOST_TEST(api[api.size() - 1].header("X-Request-Id") == "retry-1");
}

BOOST_AUTO_TEST_CASE(a_401_retry_without_a_new_token_keeps_retried_and_the_upstream_status)
{
    proxy_with_logs p("  backoff_initial: 4s\n  wait_timeout: 300ms\n");
    p.fake.set_token_mode(fake::endpoint_mode::fail_500);
    p.fake.revoke_all_tokens();
    auto r = http_once(p.proxy.port(), http::verb::get, users, {{"X-Request-Id", "retry-2"}});
    BOOST_TEST_REQUIRE(r.status == 503u);
    BOOST_TEST(r.header("X-Request-Id") == "retry-2");
    auto line = access_line(p.logs, "retry-2");
    BOOST_TEST(line.at("status").as_int64() == 503);
    BOOST_TEST(line.at("upstream_status").as_int64() == 401);
    BOOST_TEST(line.at("retried").as_bool() == true);
    BOOST_TEST(line.at("error").as_string() == r.header("Litmus-Proxy-Error"));
    p.fake.set_token_mode(fake::endpoint_mode::normal);
}

BOOST_AUTO_TEST_CASE(log_access_false_writes_no_access_lines)
{
    proxy_with_logs p("", "log:\n  access: false\n");
    http_client c(p.proxy.port());
    BOOST_TEST(c.request(http::verb::get, users).status == 200u);
    // The session writes a request's access line before it reads the next
    // request: once the second reply is here, the first line would be too.
    BOOST_TEST(c.request(http::verb::get, users).status == 200u);
    BOOST_TEST(p.logs.events("access").empty());
    BOOST_TEST(!p.logs.events("token_obtained").empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

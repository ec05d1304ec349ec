#include "proxy/token/token_response.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace litmus::token {

using namespace std::chrono_literals;

namespace {

const config::token_config& cfg()
{
    static config::token_config c;  // default_lifetime 1 h, max_lifetime 24 h
    return c;
}

const token_failure* failure(const fetch_result& r) { return std::get_if<token_failure>(&r); }
const token_response* success(const fetch_result& r) { return std::get_if<token_response>(&r); }

}  // namespace

BOOST_AUTO_TEST_SUITE(token_response_test)

BOOST_AUTO_TEST_CASE(accepts_a_litmus_answer_and_ignores_unknown_fields)
{
    auto r = parse_token_response(grant_kind::client_credentials, 200,
                                  R"({"access_token":"abc.DEF-123_~+/=","token_type":"bearer","expires_in":7200,
                                      "refresh_token":"r1","scope":"full","created_at":1700000000,"extra":{"a":[1]}})",
                                  cfg());
    auto* ok = success(r);
    BOOST_TEST_REQUIRE(ok);
    BOOST_TEST(ok->access_token == "abc.DEF-123_~+/=");
    BOOST_TEST(ok->lifetime.count() == std::chrono::milliseconds(7200s).count());
    BOOST_TEST(!ok->lifetime_defaulted);
    BOOST_TEST_REQUIRE(ok->refresh_token.has_value());
    BOOST_TEST(*ok->refresh_token == "r1");
}

BOOST_AUTO_TEST_CASE(expires_in_edge_cases_are_decided_not_accidental)
{
    struct row {
        std::string expires;  // JSON text, "" = field absent
        long long lifetime_ms;  // -1: bad response
        bool defaulted;
    };
    const row rows[] = {
        {"", 3'600'000, true},                 // missing: default lifetime
        {R"("3600")", 3'600'000, true},        // a string: default lifetime
        {"null", 3'600'000, true},
        {"true", 3'600'000, true},
        {"0", -1, false},                      // already dead: refused
        {"-5", -1, false},
        {"0.4", 1'000, false},                 // floored, but at least 1 s
        {"59.9", 59'000, false},
        {"1e12", 86'400'000, false},           // capped at max_lifetime
        {"18446744073709551615", 86'400'000, false},
        {"2", 2'000, false},
    };
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT("expires_in=" << t.expires)
        {
            std::string body = R"({"access_token":"tok")";
            if (!t.expires.empty())
                body += R"(,"expires_in":)" + t.expires;
            body += "}";
            auto r = parse_token_response(grant_kind::client_credentials, 200, body, cfg());
            if (t.lifetime_ms < 0) {
                BOOST_TEST_REQUIRE(failure(r));
                BOOST_TEST((failure(r)->code == errc::token_bad_response));
            } else {
                BOOST_TEST_REQUIRE(success(r));
                BOOST_TEST(success(r)->lifetime.count() == t.lifetime_ms);
                BOOST_TEST(success(r)->lifetime_defaulted == t.defaulted);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_answers_never_yield_a_token)
{
    const std::string huge(1024 * 1024, 'a');
    const std::string bodies[] = {
        "not json",
        R"({"access_token":"abc","expires_in":)",  // truncated
        R"(["access_token","abc"])",
        R"("abc")",
        R"({})",
        R"({"access_token":""})",
        R"({"access_token":null})",
        R"({"access_token":12345})",
        R"({"access_token":"abc\r\nX-Injected: 1"})",
        R"({"access_token":"abc\ndef"})",
        R"({"access_token":"abc def"})",
        R"({"access_token":"abc\u0000"})",
        R"({"access_token":"abc\"def"})",
        R"({"access_token":"ab=c"})",
        R"({"access_token":"=abc"})",
        R"({"access_token":"tøken"})",
        R"({"access_token":")" + huge + R"("})",
        R"({"access_token":"abc","token_type":"mac"})",
        R"({"access_token":"abc","token_type":7})",
        "<html><body>Service Unavailable</body></html>",
        "",
    };
    for (const auto& body : bodies) {
        BOOST_TEST_CONTEXT(body.substr(0, 60))
        {
            auto r = parse_token_response(grant_kind::client_credentials, 200, body, cfg());
            BOOST_TEST_REQUIRE(failure(r));
            BOOST_TEST((failure(r)->code == errc::token_bad_response));
            // The reason is loggable: it never echoes the body.
            BOOST_TEST(failure(r)->reason.find("abc") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(statuses_map_to_failure_kinds)
{
    auto code = [](grant_kind k, unsigned status, std::string_view body = "{}") {
        return failure(parse_token_response(k, status, body, cfg()))->code;
    };
    BOOST_TEST((code(grant_kind::client_credentials, 401, R"({"error":"invalid_client"})") == errc::token_rejected));
    BOOST_TEST((code(grant_kind::client_credentials, 400, R"({"error":"invalid_request"})") == errc::token_rejected));
    BOOST_TEST((code(grant_kind::refresh_token, 400, R"({"error":"invalid_grant"})") == errc::refresh_refused));
    BOOST_TEST((code(grant_kind::refresh_token, 401) == errc::refresh_refused));
    BOOST_TEST((code(grant_kind::client_credentials, 500) == errc::token_endpoint_failed));
    BOOST_TEST((code(grant_kind::client_credentials, 503, "<html>") == errc::token_endpoint_failed));
    BOOST_TEST((code(grant_kind::client_credentials, 429) == errc::token_endpoint_failed));
    BOOST_TEST((code(grant_kind::client_credentials, 302) == errc::token_endpoint_failed));
}

BOOST_AUTO_TEST_CASE(failure_reason_quotes_the_endpoint_safely)
{
    auto r = parse_token_response(grant_kind::client_credentials, 401,
                                  R"({"error":"invalid_client","error_description":"Client\r\nauthentication failed"})",
                                  cfg());
    BOOST_TEST(failure(r)->reason == "HTTP 401 invalid_client: Clientauthentication failed");
    BOOST_TEST(failure(r)->status == 401u);
}

BOOST_AUTO_TEST_CASE(the_endpoints_oauth_error_code_is_kept_apart_for_readiness)
{
    auto oauth_error = [](unsigned status, std::string_view body) {
        return failure(parse_token_response(grant_kind::client_credentials, status, body, cfg()))->oauth_error;
    };
    BOOST_TEST(oauth_error(401, R"({"error":"invalid_client","error_description":"unknown client"})") ==
               "invalid_client");
    BOOST_TEST(oauth_error(503, R"({"error":"temporarily_unavailable"})") == "temporarily_unavailable");
    // No JSON error object, or an error that is not a string: none.
    BOOST_TEST(oauth_error(502, "<html>Bad gateway</html>") == "");
    BOOST_TEST(oauth_error(400, R"({"error":{"code":1}})") == "");
    BOOST_TEST(oauth_error(500, R"({"error_description":"oops"})") == "");
    // Control characters dropped and the length bounded: it is served by /readyz.
    auto long_error = oauth_error(400, R"({"error":"in\r\nvalid)" + std::string(500, 'x') + R"("})");
    BOOST_TEST(long_error.starts_with("invalid"));
    BOOST_TEST(long_error.size() <= 64u + 3u);
    // A success carries none: nothing to report.
    BOOST_TEST(!failure(parse_token_response(grant_kind::client_credentials, 200,
                                             R"({"access_token":"a","expires_in":60})", cfg())));
}

BOOST_AUTO_TEST_CASE(grant_bodies_are_json_with_what_each_grant_needs)
{
    auto parse = [](const token_grant& g) {
        return boost::json::parse(make_grant_body(g, "id\"1", "se\\cret")).as_object();
    };
    auto cc = parse(token_grant{});
    BOOST_TEST(cc.at("grant_type").as_string() == "client_credentials");
    BOOST_TEST(cc.at("client_id").as_string() == "id\"1");
    BOOST_TEST(cc.at("client_secret").as_string() == "se\\cret");
    BOOST_TEST(!cc.contains("refresh_token"));

    // A user's refresh: the user's refresh token and the client's credentials.
    token_grant refresh{grant_kind::refresh_token, "rt-1", "", ""};
    auto rt = parse(refresh);
    BOOST_TEST(rt.at("grant_type").as_string() == "refresh_token");
    BOOST_TEST(rt.at("refresh_token").as_string() == "rt-1");
    BOOST_TEST(rt.at("client_id").as_string() == "id\"1");
    BOOST_TEST(rt.at("client_secret").as_string() == "se\\cret");
    BOOST_TEST(rt.size() == 4u);

    // The code exchange: redirect_uri only when the authorization had one.
    token_grant code{grant_kind::authorization_code, "", "good-1", ""};
    auto ac = parse(code);
    BOOST_TEST(ac.at("grant_type").as_string() == "authorization_code");
    BOOST_TEST(ac.at("code").as_string() == "good-1");
    BOOST_TEST(ac.at("client_id").as_string() == "id\"1");
    BOOST_TEST(ac.at("client_secret").as_string() == "se\\cret");
    BOOST_TEST(!ac.contains("redirect_uri"));
    BOOST_TEST(ac.size() == 4u);
    code.redirect_uri = "https://app.example/cb";
    BOOST_TEST(parse(code).at("redirect_uri").as_string() == "https://app.example/cb");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::token

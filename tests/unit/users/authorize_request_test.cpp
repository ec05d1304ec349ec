// POST /_litmus/oauth/authorize bodies: what is accepted, every way one is
// refused (and with which error), and the answer's shape.

#include "proxy/users/authorize_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

namespace litmus::users {

namespace {

const std::vector<std::string> any_uri{};

/// The error code a refused body gets, "" when it is accepted.
std::string refusal(std::string_view body, const std::vector<std::string>& allowed = any_uri)
{
    auto r = parse_authorize_request(body, allowed);
    if (r)
        return "";
    BOOST_TEST(r.error().status == 400u);
    BOOST_TEST(!r.error().message.empty());
    return r.error().error;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(authorize_request_test)

BOOST_AUTO_TEST_CASE(user_and_redirect_uri_are_read_and_unknown_fields_ignored)
{
    auto r = parse_authorize_request(
        R"({"user":"alice@example.com","redirect_uri":"https://app.example/cb?x=1","extra":[1,2]})", any_uri);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->user == "alice@example.com");
    BOOST_TEST(r->redirect_uri == "https://app.example/cb?x=1");
}

BOOST_AUTO_TEST_CASE(redirect_uri_is_optional)
{
    for (auto body : {R"({"user":"u-1"})", R"({"user":"u-1","redirect_uri":null})"}) {
        auto r = parse_authorize_request(body, any_uri);
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(r->redirect_uri == "");
    }
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_a_json_object_is_invalid_request)
{
    for (auto body : {"", "not json", "[]", R"("user")", "42", R"({"user":"a")"})
        BOOST_TEST(refusal(body) == "invalid_request", body);
    BOOST_TEST(refusal(std::string(20'000, ' ') + R"({"user":"a"})") == "invalid_request");
}

BOOST_AUTO_TEST_CASE(a_missing_or_malformed_user_is_invalid_request)
{
    for (auto body : {R"({})", R"({"user":null})", R"({"user":""})", R"({"user":42})", R"({"user":["a"]})",
                      R"({"user":"has space"})", R"({"user":"a/b"})", R"({"user":"a%40b"})", R"({"user":"é"})"})
        BOOST_TEST(refusal(body) == "invalid_request", body);
    BOOST_TEST(refusal(R"({"user":")" + std::string(129, 'a') + R"("})") == "invalid_request");
    BOOST_TEST(refusal(R"({"user":")" + std::string(128, 'a') + R"("})") == "");
}

BOOST_AUTO_TEST_CASE(a_redirect_uri_must_be_an_absolute_http_or_https_uri_without_fragment)
{
    for (auto uri : {"https://app.example/cb", "http://localhost:3000/cb", "https://app.example/cb?a=b&c=%20"})
        BOOST_TEST(refusal(R"({"user":"u","redirect_uri":")" + std::string(uri) + R"("})") == "", uri);
    for (auto uri : {"", "/cb", "app.example/cb", "ftp://app.example/cb", "javascript:alert(1)",
                     "https://app.example/cb#frag", "https:///cb", "https://app example/cb"})
        BOOST_TEST(refusal(R"({"user":"u","redirect_uri":")" + std::string(uri) + R"("})") == "invalid_request", uri);
    BOOST_TEST(refusal(R"({"user":"u","redirect_uri":7})") == "invalid_request");
    BOOST_TEST(refusal(R"({"user":"u","redirect_uri":"https://a.example/)" + std::string(2048, 'x') + R"("})") ==
               "invalid_request");
}

BOOST_AUTO_TEST_CASE(with_an_allow_list_only_listed_redirect_uris_pass)
{
    const std::vector<std::string> allowed{"https://app.example/cb", "https://app.example/cb2"};
    BOOST_TEST(refusal(R"({"user":"u","redirect_uri":"https://app.example/cb2"})", allowed) == "");
    // Exact match: no prefix, case or trailing-slash leniency.
    for (auto uri : {"https://app.example/cb/", "https://app.example/cb?x=1", "https://APP.example/cb",
                     "https://evil.example/cb"})
        BOOST_TEST(refusal(R"({"user":"u","redirect_uri":")" + std::string(uri) + R"("})", allowed) ==
                       "redirect_uri_not_allowed",
                   uri);
    // No redirect_uri at all is still allowed: Litmus then uses the app's
    // registered one.
    BOOST_TEST(refusal(R"({"user":"u"})", allowed) == "");
}

BOOST_AUTO_TEST_CASE(the_answer_has_the_url_the_state_and_the_ttl_in_seconds)
{
    auto o = boost::json::parse(authorize_answer("https://litmus.com/oauth/authorize?state=s", "s",
                                                 std::chrono::milliseconds(600'999)))
                 .as_object();
    BOOST_TEST(o.at("authorize_url").as_string() == "https://litmus.com/oauth/authorize?state=s");
    BOOST_TEST(o.at("state").as_string() == "s");
    BOOST_TEST(o.at("expires_in").as_int64() == 600);
    BOOST_TEST(o.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

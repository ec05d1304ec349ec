// POST /_litmus/oauth/callback bodies and answers: state plus code or error,
// the body's own user or redirect_uri ignored, every refusal shape.

#include "proxy/users/callback_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

namespace litmus::users {

BOOST_AUTO_TEST_SUITE(callback_request_test)

BOOST_AUTO_TEST_CASE(state_and_code_are_read)
{
    auto r = parse_callback_request(R"({"state":"s1","code":"c1"})");
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->state == "s1");
    BOOST_TEST(r->code == "c1");
    BOOST_TEST(r->error == "");
}

BOOST_AUTO_TEST_CASE(state_and_error_are_read)
{
    auto r = parse_callback_request(R"({"state":"s1","error":"access_denied","code":null})");
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->error == "access_denied");
    BOOST_TEST(r->code == "");
}

BOOST_AUTO_TEST_CASE(user_and_redirect_uri_in_the_body_are_ignored)
{
    // Not even checked: the state decides whose authorization this is.
    auto r = parse_callback_request(R"({"state":"s","code":"c","user":"not a key!","redirect_uri":5})");
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->state == "s");
    BOOST_TEST(r->code == "c");
}

BOOST_AUTO_TEST_CASE(malformed_bodies_are_invalid_request)
{
    for (auto body : {"", "[]", "null", R"({"code":"c"})", R"({"state":"","code":"c"})", R"({"state":1,"code":"c"})",
                      R"({"state":"s"})", R"({"state":"s","code":"c","error":"access_denied"})",
                      R"({"state":"s","code":""})", R"({"state":"s","code":7})", R"({"state":"s","error":{}})"}) {
        auto r = parse_callback_request(body);
        BOOST_TEST_REQUIRE(r.has_error(), body);
        BOOST_TEST(r.error().status == 400u);
        BOOST_TEST(r.error().error == "invalid_request");
    }
    auto long_code = parse_callback_request(R"({"state":"s","code":")" + std::string(1025, 'c') + R"("})");
    BOOST_TEST(long_code.has_error());
}

BOOST_AUTO_TEST_CASE(access_denied_and_other_litmus_errors_have_their_answers)
{
    auto denied = callback_error_answer("access_denied");
    BOOST_TEST(denied.status == 400u);
    BOOST_TEST(to_json(denied) == R"({"error":"access_denied"})");

    auto other = callback_error_answer("server_error");
    BOOST_TEST(other.status == 400u);
    BOOST_TEST(other.error == "authorization_failed");
    BOOST_TEST(other.message.find("server_error") != std::string::npos);
    // Whatever else the redirect carried is not echoed.
    auto odd = callback_error_answer("<script>\r\n");
    BOOST_TEST(odd.message.find("script") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_answer_names_the_user_and_the_litmus_identity_only)
{
    auto o = boost::json::parse(callback_answer("alice", litmus_identity{"123", "Alice A"})).as_object();
    BOOST_TEST(o.at("user").as_string() == "alice");
    BOOST_TEST(o.at("litmus_user").at("id").as_string() == "123");
    BOOST_TEST(o.at("litmus_user").at("full_name").as_string() == "Alice A");
    BOOST_TEST(o.size() == 2u);
    BOOST_TEST(o.at("litmus_user").as_object().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

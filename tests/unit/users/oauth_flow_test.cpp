// The authorization endpoints up to their I/O: authorize issues a state the
// callback then spends; the callback's own user and redirect_uri never
// count; CSRF and replay refused before anything would be exchanged.

#include "proxy/users/oauth_flow.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>

namespace litmus::users {

namespace {

using namespace std::chrono_literals;

struct fixture {
    oauth_state_store::clock::time_point now = oauth_state_store::clock::time_point{} + 1000h;
    oauth_state_store states{600s, 100, [this] { return now; }};
    config::users_config users;

    /// authorize for `body`, returning the answer's state.
    std::string authorize(std::string_view body)
    {
        auto answer = answer_authorize(body, users, "client-1", states);
        BOOST_TEST_REQUIRE(answer.has_value());
        return std::string(boost::json::parse(*answer).at("state").as_string());
    }

    static std::string callback(std::string_view state, std::string_view rest)
    {
        return R"({"state":")" + std::string(state) + R"(",)" + std::string(rest) + "}";
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(oauth_flow_test)

BOOST_FIXTURE_TEST_CASE(authorize_answers_a_url_carrying_the_issued_state, fixture)
{
    users.authorize_url = "https://litmus.example/oauth/authorize";
    auto answer = answer_authorize(R"({"user":"alice","redirect_uri":"https://app.example/cb"})", users, "client-1",
                                   states);
    BOOST_TEST_REQUIRE(answer.has_value());
    auto o = boost::json::parse(*answer).as_object();
    BOOST_TEST(o.at("expires_in").as_int64() == 600);
    const std::string state(o.at("state").as_string());
    auto url = boost::urls::parse_absolute_uri(o.at("authorize_url").as_string()).value();
    BOOST_TEST(url.host() == "litmus.example");
    BOOST_TEST((*url.params().find("state")).value == state);
    BOOST_TEST((*url.params().find("client_id")).value == "client-1");
    BOOST_TEST((*url.params().find("redirect_uri")).value == "https://app.example/cb");
    BOOST_TEST(states.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_refused_authorize_issues_no_state, fixture)
{
    users.redirect_uris = {"https://app.example/cb"};
    auto bad = answer_authorize(R"({"user":"alice","redirect_uri":"https://evil.example/cb"})", users, "c", states);
    BOOST_TEST_REQUIRE(bad.has_error());
    BOOST_TEST(bad.error().error == "redirect_uri_not_allowed");
    BOOST_TEST(answer_authorize(R"({"user":""})", users, "c", states).error().error == "invalid_request");
    BOOST_TEST(states.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_full_state_store_is_503, fixture)
{
    oauth_state_store one{600s, 1, [this] { return now; }};
    BOOST_TEST(answer_authorize(R"({"user":"a"})", users, "c", one).has_value());
    auto refused = answer_authorize(R"({"user":"b"})", users, "c", one);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().status == 503u);
}

BOOST_FIXTURE_TEST_CASE(the_callback_exchanges_for_the_states_user_and_redirect_uri_only, fixture)
{
    auto state = authorize(R"({"user":"alice","redirect_uri":"https://app.example/cb"})");
    auto ex = begin_callback(
        callback(state, R"("code":"code-1","user":"mallory","redirect_uri":"https://evil.example/cb")"), states);
    BOOST_TEST_REQUIRE(ex.has_value());
    BOOST_TEST(ex->user == "alice");
    BOOST_TEST(ex->redirect_uri == "https://app.example/cb");
    BOOST_TEST(ex->code == "code-1");
    auto grant = ex->grant();
    BOOST_TEST((grant.kind == token::grant_kind::authorization_code));
    BOOST_TEST(grant.code == "code-1");
    BOOST_TEST(grant.redirect_uri == "https://app.example/cb");
}

BOOST_FIXTURE_TEST_CASE(without_a_redirect_uri_none_is_exchanged, fixture)
{
    auto state = authorize(R"({"user":"alice"})");
    auto ex = begin_callback(callback(state, R"("code":"c","redirect_uri":"https://app.example/cb")"), states);
    BOOST_TEST_REQUIRE(ex.has_value());
    BOOST_TEST(ex->grant().redirect_uri == "");
    auto body = boost::json::parse(token::make_grant_body(ex->grant(), "id", "secret")).as_object();
    BOOST_TEST(!body.contains("redirect_uri"));
}

BOOST_FIXTURE_TEST_CASE(forged_reused_and_expired_states_are_invalid_state, fixture)
{
    BOOST_TEST(begin_callback(callback("forged", R"("code":"c")"), states).error().error == "invalid_state");

    auto state = authorize(R"({"user":"alice"})");
    BOOST_TEST(begin_callback(callback(state, R"("code":"c")"), states).has_value());
    auto replay = begin_callback(callback(state, R"("code":"c")"), states);
    BOOST_TEST_REQUIRE(replay.has_error());
    BOOST_TEST(replay.error().status == 400u);
    BOOST_TEST(to_json(replay.error()).find(R"("error":"invalid_state")") != std::string::npos);

    auto late = authorize(R"({"user":"alice"})");
    now += 600s;
    BOOST_TEST(begin_callback(callback(late, R"("code":"c")"), states).error().error == "invalid_state");
}

BOOST_FIXTURE_TEST_CASE(a_malformed_callback_does_not_spend_the_state, fixture)
{
    auto state = authorize(R"({"user":"alice"})");
    BOOST_TEST(begin_callback(callback(state, R"("code":5)"), states).error().error == "invalid_request");
    BOOST_TEST(begin_callback(callback(state, R"("code":"c")"), states).has_value());
}

BOOST_FIXTURE_TEST_CASE(access_denied_spends_the_state_and_exchanges_nothing, fixture)
{
    auto state = authorize(R"({"user":"alice"})");
    auto denied = begin_callback(callback(state, R"("error":"access_denied")"), states);
    BOOST_TEST_REQUIRE(denied.has_error());
    BOOST_TEST(denied.error().status == 400u);
    BOOST_TEST(to_json(denied.error()) == R"({"error":"access_denied"})");
    BOOST_TEST(begin_callback(callback(state, R"("code":"c")"), states).error().error == "invalid_state");
}

BOOST_AUTO_TEST_CASE(a_refused_exchange_is_invalid_grant_and_a_failed_one_502)
{
    auto refused = exchange_failure_answer({errc::token_rejected, 400, "invalid_grant: code expired"});
    BOOST_TEST(refused.status == 400u);
    BOOST_TEST(refused.error == "invalid_grant");
    BOOST_TEST(refused.message == "invalid_grant: code expired");
    for (auto code : {errc::token_endpoint_failed, errc::token_bad_response}) {
        auto failed = exchange_failure_answer({code, 503, "HTTP 503"});
        BOOST_TEST(failed.status == 502u);
        BOOST_TEST(failed.error == "code_exchange_failed");
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

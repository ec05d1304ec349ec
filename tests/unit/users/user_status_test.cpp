// GET /_litmus/users/KEY answers: connected or not, the Litmus identity,
// reauthorization, seconds left on the access token; never a token.

#include "proxy/users/user_status.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

namespace litmus::users {

namespace {

constexpr std::int64_t now = 1'800'000'000;

user_record connected_user()
{
    user_record r;
    r.user = "alice";
    r.litmus_user_id = "42";
    r.full_name = "Alice A";
    r.access_token = "access-secret";
    r.access_expires_at = now + 300;
    r.refresh_token = "refresh-secret";
    return r;
}

boost::json::object answer(const user_record& r)
{
    return boost::json::parse(user_status_answer(r, now)).as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(user_status_test)

BOOST_AUTO_TEST_CASE(a_connected_user_is_described_without_tokens)
{
    const auto body = user_status_answer(connected_user(), now);
    BOOST_TEST(body.find("secret") == std::string::npos);
    auto o = boost::json::parse(body).as_object();
    BOOST_TEST(o.at("user").as_string() == "alice");
    BOOST_TEST(o.at("connected").as_bool() == true);
    BOOST_TEST(o.at("litmus_user").at("id").as_string() == "42");
    BOOST_TEST(o.at("litmus_user").at("full_name").as_string() == "Alice A");
    BOOST_TEST(o.at("reauthorization_required").as_bool() == false);
    BOOST_TEST(o.at("expires_in").as_int64() == 300);
    BOOST_TEST(o.size() == 5u);
}

BOOST_AUTO_TEST_CASE(an_expired_access_token_counts_zero_and_needs_a_refresh_token_to_stay_connected)
{
    auto r = connected_user();
    r.access_expires_at = now - 10;
    BOOST_TEST(answer(r).at("expires_in").as_int64() == 0);
    BOOST_TEST(answer(r).at("connected").as_bool() == true);
    r.refresh_token.clear();
    BOOST_TEST(answer(r).at("connected").as_bool() == false);
    r.access_expires_at = now + 1;
    BOOST_TEST(answer(r).at("connected").as_bool() == true);
}

BOOST_AUTO_TEST_CASE(a_user_requiring_reauthorization_is_not_connected)
{
    auto r = connected_user();
    r.reauthorization_required = true;
    auto o = answer(r);
    BOOST_TEST(o.at("connected").as_bool() == false);
    BOOST_TEST(o.at("reauthorization_required").as_bool() == true);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

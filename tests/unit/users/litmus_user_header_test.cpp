// The Litmus-User header: absent, one valid key, or refused (empty,
// malformed, repeated) with 400 invalid_litmus_user.

#include "proxy/users/litmus_user_header.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/test/unit_test.hpp>

namespace litmus::users {

namespace {

std::string refusal(const boost::beast::http::fields& f)
{
    auto r = parse_litmus_user(f);
    if (r)
        return "";
    BOOST_TEST(r.error().status == 400u);
    return r.error().error;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(litmus_user_header_test)

BOOST_AUTO_TEST_CASE(no_header_names_no_user)
{
    boost::beast::http::fields f;
    f.set("Authorization", "x");
    auto r = parse_litmus_user(f);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(!r->has_value());
}

BOOST_AUTO_TEST_CASE(one_valid_key_in_any_case_of_the_name_is_the_user)
{
    for (auto name : {"Litmus-User", "litmus-user", "LITMUS-USER"}) {
        boost::beast::http::fields f;
        f.insert(name, "alice.b_c-1@example.com");
        auto r = parse_litmus_user(f);
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(r->value() == "alice.b_c-1@example.com");
    }
}

BOOST_AUTO_TEST_CASE(empty_malformed_and_too_long_values_are_refused)
{
    for (std::string value : {std::string(), std::string("a b"), std::string("a,b"), std::string("a%40b"),
                              std::string("a/b"), std::string("é"), std::string("a\tb"), std::string(129, 'a')}) {
        boost::beast::http::fields f;
        f.insert("Litmus-User", value);
        BOOST_TEST(refusal(f) == "invalid_litmus_user", value);
    }
    boost::beast::http::fields longest;
    longest.insert("Litmus-User", std::string(128, 'a'));
    BOOST_TEST(refusal(longest) == "");
}

BOOST_AUTO_TEST_CASE(a_repeated_header_is_refused_even_with_equal_values)
{
    boost::beast::http::fields f;
    f.insert("Litmus-User", "alice");
    f.insert("litmus-user", "alice");
    BOOST_TEST(refusal(f) == "invalid_litmus_user");
    BOOST_TEST(parse_litmus_user(f).error().message.find("once") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

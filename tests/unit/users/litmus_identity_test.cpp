// Reading /v2/users/current: id as text whether Litmus sends a number or a
// string, full_name optional, a clear error for anything else.

#include "proxy/users/litmus_identity.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::users {

BOOST_AUTO_TEST_SUITE(litmus_identity_test)

BOOST_AUTO_TEST_CASE(the_documented_shape_is_read)
{
    auto who = parse_current_user(
        R"({"user":{"id":123456,"full_name":"Ada Lovelace","first_name":"Ada","email":"ada@example.com"}})");
    BOOST_TEST_REQUIRE(who.has_value());
    BOOST_TEST(who->id == "123456");
    BOOST_TEST(who->full_name == "Ada Lovelace");
}

BOOST_AUTO_TEST_CASE(ids_are_text_whatever_their_json_type)
{
    BOOST_TEST(parse_current_user(R"({"id":"u-9","full_name":"X"})")->id == "u-9");
    BOOST_TEST(parse_current_user(R"({"id":-5})")->id == "-5");
    BOOST_TEST(parse_current_user(R"({"id":18446744073709551615})")->id == "18446744073709551615");
}

BOOST_AUTO_TEST_CASE(a_missing_or_null_full_name_is_empty)
{
    BOOST_TEST(parse_current_user(R"({"user":{"id":1}})")->full_name == "");
    BOOST_TEST(parse_current_user(R"({"user":{"id":1,"full_name":null}})")->full_name == "");
}

BOOST_AUTO_TEST_CASE(malformed_answers_are_errors_that_say_what_is_wrong)
{
    struct row {
        const char* body;
        const char* says;
    };
    for (auto [body, says] : {row{"", "not JSON"}, row{"<html>", "not JSON"}, row{"[1]", "not a JSON object"},
                              row{R"({"user":"x"})", "user that is not an object"}, row{R"({"user":{}})", "no id"},
                              row{R"({"user":{"id":1.5}})", "id that is not"}, row{R"({"user":{"id":""}})", "id that is not"},
                              row{R"({"user":{"id":null}})", "id that is not"}, row{R"({"user":{"id":true}})", "id that is not"},
                              row{R"({"user":{"id":1,"full_name":3}})", "full_name that is not a string"}}) {
        auto r = parse_current_user(body);
        BOOST_TEST_REQUIRE(r.has_error(), body);
        BOOST_TEST(r.error().find(says) != std::string::npos, r.error());
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

#include "proxy/forward/token_redaction.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::forward {

BOOST_AUTO_TEST_SUITE(token_redaction_test)

BOOST_AUTO_TEST_CASE(only_the_ping_path_echoes_the_token)
{
    BOOST_TEST(echoes_token("/v3/ping/authenticated"));
    BOOST_TEST(echoes_token("/v3/ping/authenticated?x=1"));
    BOOST_TEST(echoes_token("/v3/ping/authenticated/"));
    BOOST_TEST(!echoes_token("/v3/ping"));
    BOOST_TEST(!echoes_token("/v2/users/current"));
}

BOOST_AUTO_TEST_CASE(every_spelling_of_the_token_is_replaced)
{
    std::string body = R"({"token":"ab/c+d=","again":"ab/c+d=","json":"ab\/c+d="})";
    BOOST_TEST(redact(body, "ab/c+d=") == 3u);
    BOOST_TEST(body == R"({"token":"[REDACTED]","again":"[REDACTED]","json":"[REDACTED]"})");
}

BOOST_AUTO_TEST_CASE(nothing_to_replace_leaves_the_body_alone)
{
    std::string body = R"({"token":"other"})";
    BOOST_TEST(redact(body, "abc") == 0u);
    BOOST_TEST(redact(body, "") == 0u);
    BOOST_TEST(body == R"({"token":"other"})");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::forward

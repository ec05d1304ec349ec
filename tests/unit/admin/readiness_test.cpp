#include "proxy/admin/readiness.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace litmus::admin {

using namespace std::chrono_literals;

namespace {

proxy_state state(bool draining, bool token_valid, std::string token_error = "", std::chrono::seconds left = 0s)
{
    proxy_state s;
    s.draining = draining;
    s.token_valid = token_valid;
    s.token_error = std::move(token_error);
    s.token_valid_for = left;
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(readiness_test)

BOOST_AUTO_TEST_CASE(draining_wins_then_a_valid_token_means_ready_then_the_failure_decides_the_reason)
{
    struct row {
        proxy_state s;
        readiness expected;
    };
    const row rows[] = {
        {state(false, false), readiness::no_token},
        {state(false, false, "invalid_client"), readiness::token_endpoint_failing},
        {state(false, true), readiness::ready},
        // A failing refresh while the token still serves: ready (requests work).
        {state(false, true, "token_endpoint_failed", 30s), readiness::ready},
        {state(true, true, "", 30s), readiness::draining},
        {state(true, false, "invalid_client"), readiness::draining},
    };
    for (const auto& r : rows)
        BOOST_TEST((readiness_of(r.s) == r.expected), to_string(readiness_of(r.s)) << " vs " << to_string(r.expected));
}

BOOST_AUTO_TEST_CASE(readyz_bodies_are_json_with_a_reason_and_the_endpoint_error_only_when_failing)
{
    BOOST_TEST(readiness_body(state(false, true, "", 100s)) == R"({"status":"ready"})");
    BOOST_TEST(readiness_body(state(false, false)) == R"({"status":"not_ready","reason":"no_token"})");
    BOOST_TEST(readiness_body(state(true, true)) == R"({"status":"not_ready","reason":"draining"})");
    auto failing = boost::json::parse(readiness_body(state(false, false, "in\"valid_client"))).as_object();
    BOOST_TEST(failing.at("status").as_string() == "not_ready");
    BOOST_TEST(failing.at("reason").as_string() == "token_endpoint_failing");
    BOOST_TEST(failing.at("error").as_string() == "in\"valid_client");  // escaped, not spliced
}

BOOST_AUTO_TEST_CASE(status_lines_are_short_and_say_what_an_operator_needs)
{
    BOOST_TEST(status_line(state(false, true, "", 7140s)) == "serving; token valid for 7140 s");
    BOOST_TEST(status_line(state(false, false)) == "waiting for a token");
    BOOST_TEST(status_line(state(false, false, "invalid_client")) == "waiting for a token: invalid_client");
    BOOST_TEST(status_line(state(true, true, "", 10s)) == "draining");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::admin

// The JSON error answers of the users feature: the shapes and statuses the
// contract (issue 11, DESIGN.md §2 "Users") promises apps.

#include "proxy/users/api_error.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::users {

BOOST_AUTO_TEST_SUITE(api_error_test)

BOOST_AUTO_TEST_CASE(contract_answers_have_their_exact_bodies_and_statuses)
{
    using namespace api_errors;
    struct row {
        api_error e;
        unsigned status;
        const char* body;
    };
    for (const auto& [e, status, body] :
         {row{access_denied(), 400, R"({"error":"access_denied"})"},
          row{user_not_found(), 404, R"({"error":"user_not_found"})"},
          row{user_not_connected(), 401, R"({"error":"user_not_connected"})"},
          row{reauthorization_required("bob@x.example"), 401,
              R"({"error":"reauthorization_required","user":"bob@x.example"})"}}) {
        BOOST_TEST(e.status == status);
        BOOST_TEST(to_json(e) == body);
    }
}

BOOST_AUTO_TEST_CASE(errors_with_a_message_carry_it)
{
    using namespace api_errors;
    struct row {
        api_error e;
        unsigned status;
        const char* code;
    };
    for (const auto& [e, status, code] :
         {row{invalid_request("user is required"), 400, "invalid_request"},
          row{redirect_uri_not_allowed(), 400, "redirect_uri_not_allowed"}, row{invalid_state(), 400, "invalid_state"},
          row{invalid_grant("code expired"), 400, "invalid_grant"},
          row{invalid_litmus_user("Litmus-User is empty"), 400, "invalid_litmus_user"},
          row{too_many_pending_authorizations(), 503, "too_many_pending_authorizations"},
          row{code_exchange_failed("timeout"), 502, "code_exchange_failed"},
          row{internal_error("bug"), 500, "internal_error"},
          row{not_found(), 404, "not_found"}, row{method_not_allowed("POST"), 405, "method_not_allowed"}}) {
        BOOST_TEST(e.status == status);
        BOOST_TEST(e.error == code);
        BOOST_TEST(!e.message.empty());
        BOOST_TEST(to_json(e) == R"({"error":")" + std::string(code) + R"(","message":")" + e.message + R"("})");
    }
    BOOST_TEST(invalid_grant("code expired").message == "code expired");
    BOOST_TEST(method_not_allowed("GET, DELETE").allow == "GET, DELETE");
}

BOOST_AUTO_TEST_CASE(a_message_is_escaped_as_json)
{
    BOOST_TEST(to_json(api_errors::invalid_request("say \"hi\"\n")) ==
               R"({"error":"invalid_request","message":"say \"hi\"\n"})");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

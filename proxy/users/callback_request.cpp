#include "proxy/users/callback_request.hpp"

#include "proxy/users/json_body.hpp"

#include <boost/json/serialize.hpp>

namespace litmus::users {

boost::system::result<callback_request, api_error> parse_callback_request(std::string_view body)
{
    auto o = parse_json_object(body);
    if (!o)
        return o.error();
    auto state = required_string_field(*o, "state", max_callback_field_length);
    if (!state)
        return state.error();
    auto code = optional_string_field(*o, "code", max_callback_field_length);
    if (!code)
        return code.error();
    auto error = optional_string_field(*o, "error", max_callback_field_length);
    if (!error)
        return error.error();
    if (code->has_value() == error->has_value())
        return api_errors::invalid_request("exactly one of code and error is required");
    return callback_request{std::move(*state), code->value_or(""), error->value_or("")};
}

api_error callback_error_answer(std::string_view litmus_error)
{
    if (litmus_error == "access_denied")
        return api_errors::access_denied();
    return api_errors::authorization_failed(litmus_error);
}

std::string callback_answer(std::string_view user, const litmus_identity& who)
{
    boost::json::object o;
    o["user"] = user;
    o["litmus_user"] = to_json(who);
    return boost::json::serialize(o);
}

}  // namespace litmus::users

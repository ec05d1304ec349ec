#include "proxy/users/litmus_identity.hpp"

#include <boost/json/parse.hpp>

namespace litmus::users {

namespace {

// Longest id and name kept: anything longer is not a Litmus user.
constexpr std::size_t max_identity_field = 1024;

// A litmus_identity can be built from one string too, so the error is
// placed explicitly.
boost::system::result<litmus_identity, std::string> failed(std::string message)
{
    return {boost::system::in_place_error, "/v2/users/current answer " + std::move(message)};
}

}  // namespace

boost::system::result<litmus_identity, std::string> parse_current_user(std::string_view body)
{
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec)
        return failed("is not JSON: " + ec.message());
    if (!value.is_object())
        return failed("is not a JSON object");
    const boost::json::object* user = &value.as_object();
    if (const auto* inner = user->if_contains("user")) {
        if (!inner->is_object())
            return failed("has a user that is not an object");
        user = &inner->as_object();
    }

    litmus_identity who;
    const auto* id = user->if_contains("id");
    if (!id)
        return failed("has no id");
    if (id->is_int64())
        who.id = std::to_string(id->get_int64());
    else if (id->is_uint64())
        who.id = std::to_string(id->get_uint64());
    else if (id->is_string() && !id->get_string().empty() && id->get_string().size() <= max_identity_field)
        who.id = std::string(id->get_string());
    else
        return failed("has an id that is not an integer or a non-empty string");

    if (const auto* name = user->if_contains("full_name"); name && !name->is_null()) {
        if (!name->is_string() || name->get_string().size() > max_identity_field)
            return failed("has a full_name that is not a string");
        who.full_name = std::string(name->get_string());
    }
    return who;
}

boost::json::object to_json(const litmus_identity& who)
{
    return boost::json::object{{"id", who.id}, {"full_name", who.full_name}};
}

}  // namespace litmus::users

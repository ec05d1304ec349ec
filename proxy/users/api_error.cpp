#include "proxy/users/api_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <boost/throw_exception.hpp>

#include <algorithm>
#include <stdexcept>

namespace litmus::users {

std::string to_json(const api_error& e)
{
    boost::json::object o;
    o["error"] = e.error;
    if (!e.message.empty())
        o["message"] = e.message;
    if (!e.user.empty())
        o["user"] = e.user;
    return boost::json::serialize(o);
}

void throw_exception_from_error(const api_error& e, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(e.error + (e.message.empty() ? "" : ": " + e.message)), loc);
}

namespace api_errors {

api_error invalid_request(std::string message)
{
    return {400, "invalid_request", std::move(message), {}, {}};
}

api_error redirect_uri_not_allowed()
{
    return {400, "redirect_uri_not_allowed", "redirect_uri is not one of users.redirect_uris", {}, {}};
}

api_error invalid_state()
{
    return {400, "invalid_state", "unknown, expired or already used state", {}, {}};
}

api_error access_denied()
{
    return {400, "access_denied", {}, {}, {}};
}

api_error authorization_failed(std::string_view litmus_error)
{
    const bool code_shaped = !litmus_error.empty() && litmus_error.size() <= 64 &&
                             std::all_of(litmus_error.begin(), litmus_error.end(),
                                         [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    std::string message = "Litmus answered the authorization with an error";
    if (code_shaped)
        message += ": " + std::string(litmus_error);
    return {400, "authorization_failed", std::move(message), {}, {}};
}

api_error invalid_grant(std::string message)
{
    return {400, "invalid_grant", std::move(message), {}, {}};
}

api_error code_exchange_failed(std::string message)
{
    return {502, "code_exchange_failed", std::move(message), {}, {}};
}

api_error internal_error(std::string message)
{
    return {500, "internal_error", std::move(message), {}, {}};
}

api_error too_many_pending_authorizations()
{
    return {503, "too_many_pending_authorizations",
            "too many authorizations in progress; try again when some have completed or expired", {}, {}};
}

api_error user_not_found()
{
    return {404, "user_not_found", {}, {}, {}};
}

api_error user_not_connected()
{
    return {401, "user_not_connected", {}, {}, {}};
}

api_error reauthorization_required(std::string user)
{
    return {401, "reauthorization_required", {}, std::move(user), {}};
}

api_error store_unavailable()
{
    return {503, "store_unavailable", "the user store cannot be reached now; requests without Litmus-User are unaffected",
            {}, {}};
}

api_error invalid_litmus_user(std::string message)
{
    return {400, "invalid_litmus_user", std::move(message), {}, {}};
}

api_error not_found()
{
    return {404, "not_found", "no such /_litmus/ endpoint", {}, {}};
}

api_error method_not_allowed(std::string allow)
{
    return {405, "method_not_allowed", "this endpoint accepts " + allow, {}, std::move(allow)};
}

}  // namespace api_errors

}  // namespace litmus::users

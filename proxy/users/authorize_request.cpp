#include "proxy/users/authorize_request.hpp"

#include "proxy/users/json_body.hpp"
#include "proxy/users/user_key.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace litmus::users {

namespace {

bool is_acceptable_redirect_uri(std::string_view uri)
{
    auto parsed = boost::urls::parse_absolute_uri(uri);
    if (!parsed)
        return false;
    const auto scheme = parsed->scheme_id();
    return (scheme == boost::urls::scheme::https || scheme == boost::urls::scheme::http) &&
           parsed->has_authority() && !parsed->encoded_host().empty();
}

}  // namespace

boost::system::result<authorize_request, api_error> parse_authorize_request(
    std::string_view body, const std::vector<std::string>& allowed_redirect_uris)
{
    auto o = parse_json_object(body);
    if (!o)
        return o.error();
    auto user = required_string_field(*o, "user", max_user_key_length);
    if (!user)
        return user.error();
    if (!is_valid_user_key(*user))
        return api_errors::invalid_request("user must be 1-128 characters of [A-Za-z0-9._@-]");
    auto redirect_uri = optional_string_field(*o, "redirect_uri", max_redirect_uri_length);
    if (!redirect_uri)
        return redirect_uri.error();
    authorize_request r{std::move(*user), {}};
    if (!*redirect_uri)
        return r;
    // parse_absolute_uri refuses a fragment: absolute-URI has none.
    if (!is_acceptable_redirect_uri(**redirect_uri))
        return api_errors::invalid_request("redirect_uri must be an absolute http or https URI with a host and "
                                           "no fragment");
    if (!allowed_redirect_uris.empty() &&
        std::find(allowed_redirect_uris.begin(), allowed_redirect_uris.end(), **redirect_uri) ==
            allowed_redirect_uris.end())
        return api_errors::redirect_uri_not_allowed();
    r.redirect_uri = std::move(**redirect_uri);
    return r;
}

std::string authorize_answer(std::string_view authorize_url, std::string_view state,
                             std::chrono::milliseconds state_ttl)
{
    boost::json::object o;
    o["authorize_url"] = authorize_url;
    o["state"] = state;
    o["expires_in"] = std::chrono::duration_cast<std::chrono::seconds>(state_ttl).count();
    return boost::json::serialize(o);
}

}  // namespace litmus::users

#include "proxy/users/litmus_route.hpp"

#include "proxy/users/user_key.hpp"

namespace litmus::users {

namespace {

using boost::beast::http::verb;

constexpr std::string_view users_prefix = "/_litmus/users/";

std::string_view path_of(std::string_view target) noexcept
{
    return target.substr(0, target.find('?'));
}

}  // namespace

bool is_litmus_target(std::string_view target) noexcept
{
    auto path = path_of(target);
    return path == litmus_prefix.substr(0, litmus_prefix.size() - 1) || path.starts_with(litmus_prefix);
}

boost::system::result<litmus_route, api_error> match_litmus_route(verb method, std::string_view target)
{
    auto path = path_of(target);
    if (path == "/_litmus/oauth/authorize" || path == "/_litmus/oauth/callback") {
        if (method != verb::post)
            return api_errors::method_not_allowed("POST");
        return litmus_route{path.ends_with("authorize") ? litmus_endpoint::oauth_authorize
                                                        : litmus_endpoint::oauth_callback,
                            {}};
    }
    if (path.starts_with(users_prefix)) {
        auto key = path.substr(users_prefix.size());
        if (key.empty() || key.find('/') != std::string_view::npos)
            return api_errors::not_found();
        if (method != verb::get && method != verb::delete_)
            return api_errors::method_not_allowed("GET, DELETE");
        if (!is_valid_user_key(key))
            return api_errors::invalid_request("the user in the path must be 1-128 characters of [A-Za-z0-9._@-]");
        return litmus_route{method == verb::get ? litmus_endpoint::user_status : litmus_endpoint::user_forget,
                            std::string(key)};
    }
    return api_errors::not_found();
}

}  // namespace litmus::users

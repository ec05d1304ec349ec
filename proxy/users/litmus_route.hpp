#pragma once
// Which of the proxy's own endpoints a request under the reserved prefix
// `/_litmus/` asks for. Such a request is answered by the proxy and never
// forwarded, whatever it names. Pure; thread-safe.

#include "proxy/users/api_error.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace litmus::users {

/// The reserved prefix.
inline constexpr std::string_view litmus_prefix = "/_litmus/";

enum class litmus_endpoint {
    oauth_authorize,  ///< POST /_litmus/oauth/authorize
    oauth_callback,   ///< POST /_litmus/oauth/callback
    user_status,      ///< GET /_litmus/users/KEY
    user_forget,      ///< DELETE /_litmus/users/KEY
};

struct litmus_route {
    litmus_endpoint endpoint;
    std::string user;  ///< user_status, user_forget: the KEY from the path
};

/// True when the origin-form `target` is reserved: its path is `/_litmus`
/// or starts with `/_litmus/`.
bool is_litmus_target(std::string_view target) noexcept;

/// The endpoint a reserved `target` (is_litmus_target) names; the query, if
/// any, is ignored. A path naming no endpoint: 404 not_found; an endpoint
/// asked with another method: 405 method_not_allowed with its Allow value;
/// a user KEY that is not 1..128 characters of [A-Za-z0-9._@-] (a
/// percent-encoded one included: KEYs never need encoding, and decoding
/// would give one user two spellings): 400 invalid_request.
boost::system::result<litmus_route, api_error> match_litmus_route(boost::beast::http::verb method,
                                                                  std::string_view target);

}  // namespace litmus::users

#pragma once
// POST /_litmus/oauth/authorize: what the app asks for, checked, and what
// the proxy answers. Pure; thread-safe.

#include "proxy/users/api_error.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::users {

/// Longest redirect_uri accepted (bytes).
inline constexpr std::size_t max_redirect_uri_length = 2048;

struct authorize_request {
    std::string user;          ///< is_valid_user_key
    std::string redirect_uri;  ///< "" = none given (then none is sent to Litmus either)
};

/// Reads `{"user": KEY, "redirect_uri": URI?}`; unknown fields are ignored.
/// - user: required, 1..128 characters of [A-Za-z0-9._@-];
/// - redirect_uri: optional (absent or null); else an absolute http or https
///   URI with a host and no fragment (RFC 6749 §3.1.2), at most
///   max_redirect_uri_length bytes;
/// - when `allowed_redirect_uris` (users.redirect_uris) is not empty, a
///   redirect_uri must be exactly one of them: redirect_uri_not_allowed.
/// Anything else wrong: 400 invalid_request with a message naming the field.
boost::system::result<authorize_request, api_error> parse_authorize_request(
    std::string_view body, const std::vector<std::string>& allowed_redirect_uris);

/// `{"authorize_url": ..., "state": ..., "expires_in": seconds}`; expires_in
/// is `state_ttl` in whole seconds, rounded down.
std::string authorize_answer(std::string_view authorize_url, std::string_view state,
                             std::chrono::milliseconds state_ttl);

}  // namespace litmus::users

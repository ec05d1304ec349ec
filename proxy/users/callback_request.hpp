#pragma once
// POST /_litmus/oauth/callback: what the app relays from Litmus's redirect
// (`state` and `code`, or `state` and `error`), checked, and the success
// answer. The state alone decides whose authorization this is: a `user` or
// `redirect_uri` in the body is ignored. Pure; thread-safe.

#include "proxy/users/api_error.hpp"
#include "proxy/users/litmus_identity.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace litmus::users {

/// Longest state, code and error accepted (bytes). An issued state is 43;
/// Litmus codes are far shorter; anything this long is not one.
inline constexpr std::size_t max_callback_field_length = 1024;

struct callback_request {
    std::string state;
    /// Exactly one of code and error is non-empty.
    std::string code;   ///< the authorization code to exchange
    std::string error;  ///< Litmus's `error` from the redirect, e.g. "access_denied"
};

/// Reads `{"state", "code"}` or `{"state", "error"}`: state required; exactly
/// one of code and error, each a non-empty string of at most
/// max_callback_field_length bytes; unknown fields (user, redirect_uri, ...)
/// ignored. Anything else: 400 invalid_request.
boost::system::result<callback_request, api_error> parse_callback_request(std::string_view body);

/// The error answer for a callback that carried `error` (its state already
/// taken, so spent): access_denied for "access_denied", authorization_failed
/// otherwise.
api_error callback_error_answer(std::string_view litmus_error);

/// `{"user": KEY, "litmus_user": {"id", "full_name"}}`: never a token.
std::string callback_answer(std::string_view user, const litmus_identity& who);

}  // namespace litmus::users

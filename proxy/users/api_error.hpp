#pragma once
// The JSON error answers of the users feature (/_litmus/ endpoints and
// requests naming a user): one value type carrying the HTTP status, the
// stable snake_case `error` code apps branch on, and what else the answer
// says. Pure; thread-safe.

#include <boost/assert/source_location.hpp>

#include <string>
#include <string_view>

namespace litmus::users {

/// Never carries a token, a code or a secret: the message is built from what
/// was wrong with the request, not from what it held.
struct api_error {
    unsigned status = 400;
    std::string error;    ///< "invalid_request", "invalid_state", ...
    std::string message;  ///< human-readable detail; "" = left out of the body
    std::string user;     ///< the user key the answer is about; "" = left out
    std::string allow;    ///< 405 only: the Allow header value
};

/// {"error": ..., "message"?: ..., "user"?: ...}
std::string to_json(const api_error& e);

/// Lets boost::system::result<T, api_error>::value() throw (found by ADL).
[[noreturn]] void throw_exception_from_error(const api_error& e, const boost::source_location& loc);

/// The answers the contract names (DESIGN.md §2 "Users", issue 11).
namespace api_errors {

/// 400: the body is not the JSON object expected, or a field is wrong.
api_error invalid_request(std::string message);
/// 400: users.redirect_uris is configured and does not list the redirect_uri.
api_error redirect_uri_not_allowed();
/// 400: the callback's state is unknown, expired or already used.
api_error invalid_state();
/// 400: the user refused the authorization (callback error=access_denied).
api_error access_denied();
/// 400: Litmus redirected back with an error other than access_denied.
/// `litmus_error` appears in the message only when it has the shape of an
/// OAuth error code (RFC 6749 §4.1.2.1: [a-z_], here at most 64 bytes).
api_error authorization_failed(std::string_view litmus_error);
/// 400: Litmus refused the code exchange; the user stays as before.
/// `message` says why (token_failure::reason: safe to show).
api_error invalid_grant(std::string message);
/// 502: the code exchange did not get an answer it could use (token
/// endpoint unreachable, 5xx, malformed); nothing was stored.
api_error code_exchange_failed(std::string message);
/// 500: a state the configuration should have made impossible.
api_error internal_error(std::string message);
/// 503: too many authorizations in progress (oauth_state_store is full).
api_error too_many_pending_authorizations();
/// 404: GET/DELETE /_litmus/users/KEY for a user the store does not hold.
api_error user_not_found();
/// 401: a request for a user with no usable token; nothing was forwarded.
api_error user_not_connected();
/// 401: Litmus refused the user's refresh token; the user must authorize again.
api_error reauthorization_required(std::string user);
/// 503: the user store cannot be read or written now.
api_error store_unavailable();
/// 400: an empty, malformed or repeated Litmus-User header.
api_error invalid_litmus_user(std::string message);
/// 404: a /_litmus/ path that names no endpoint.
api_error not_found();
/// 405: a /_litmus/ endpoint asked with a method it does not serve.
api_error method_not_allowed(std::string allow);

}  // namespace api_errors

}  // namespace litmus::users

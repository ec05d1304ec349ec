#pragma once
// The two authorization endpoints up to their I/O, composed from the pieces
// (authorize_request, oauth_state_store, authorize_url, callback_request),
// so the session only routes, exchanges the code and stores the tokens.
// Pure apart from the state store; thread-safe as the store is.

#include "proxy/users/api_error.hpp"
#include "proxy/users/oauth_state_store.hpp"

#include "proxy/config/config.hpp"
#include "proxy/token/token_response.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace litmus::users {

/// POST /_litmus/oauth/authorize: reads `body` (parse_authorize_request
/// against users.redirect_uris), issues a state bound to its user and
/// redirect_uri, and returns the 200 answer body (authorize_answer). Errors:
/// 400 invalid_request / redirect_uri_not_allowed, 503
/// too_many_pending_authorizations, 500 internal_error when
/// users.authorize_url does not parse (load_config prevents it).
boost::system::result<std::string, api_error> answer_authorize(std::string_view body,
                                                               const config::users_config& users,
                                                               std::string_view client_id, oauth_state_store& states);

/// What a callback with a valid state and a code leads to: exchange `code`
/// for `user`'s tokens, sending `redirect_uri` only when it is not "" (the
/// state's, never the callback body's).
struct code_exchange {
    std::string user;
    std::string redirect_uri;
    std::string code;

    /// The token endpoint request (token::make_grant_body builds its body).
    token::token_grant grant() const;
};

/// POST /_litmus/oauth/callback up to the code exchange. A malformed body
/// is 400 invalid_request and spends no state; then the state is taken
/// (unknown, expired, reused: 400 invalid_state), so it is spent whatever
/// follows; a callback carrying `error` is then answered by
/// callback_error_answer (access_denied, ...) with nothing exchanged.
boost::system::result<code_exchange, api_error> begin_callback(std::string_view body, oauth_state_store& states);

/// The answer when the code exchange failed: Litmus refused the code or the
/// client (400/401, errc::token_rejected): 400 invalid_grant, the user stays
/// as before; the token endpoint unreachable or answering something
/// unusable: 502 code_exchange_failed. The message is the failure's reason
/// (never a token or the code).
api_error exchange_failure_answer(const token::token_failure& failure);

}  // namespace litmus::users

#include "proxy/users/oauth_flow.hpp"

#include "proxy/users/authorize_request.hpp"
#include "proxy/users/authorize_url.hpp"
#include "proxy/users/callback_request.hpp"

namespace litmus::users {

boost::system::result<std::string, api_error> answer_authorize(std::string_view body,
                                                               const config::users_config& users,
                                                               std::string_view client_id, oauth_state_store& states)
{
    auto request = parse_authorize_request(body, users.redirect_uris);
    if (!request)
        return request.error();
    auto state = states.issue(request->user, request->redirect_uri);
    if (!state)
        return api_errors::too_many_pending_authorizations();
    auto url = make_authorize_url(users.authorize_url, client_id, request->redirect_uri, *state);
    if (!url) {
        // Unreachable with a loaded config; the state is withdrawn, not left to expire.
        (void)states.take(*state);
        return api_errors::internal_error("users.authorize_url is not an absolute URL");
    }
    return authorize_answer(*url, *state, states.ttl());
}

token::token_grant code_exchange::grant() const
{
    return token::token_grant{token::grant_kind::authorization_code, {}, code, redirect_uri};
}

boost::system::result<code_exchange, api_error> begin_callback(std::string_view body, oauth_state_store& states)
{
    auto request = parse_callback_request(body);
    if (!request)
        return request.error();
    auto pending = states.take(request->state);
    if (!pending)
        return api_errors::invalid_state();
    if (!request->error.empty())
        return callback_error_answer(request->error);
    return code_exchange{std::move(pending->user), std::move(pending->redirect_uri), std::move(request->code)};
}

api_error exchange_failure_answer(const token::token_failure& failure)
{
    if (failure.code == errc::token_rejected)
        return api_errors::invalid_grant(failure.reason);
    return api_errors::code_exchange_failed(failure.reason);
}

}  // namespace litmus::users

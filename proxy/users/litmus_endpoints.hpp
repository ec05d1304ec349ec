#pragma once
// The proxy's own endpoints under /_litmus/ (DESIGN.md §2 "Users"): start an
// authorization, complete it (exchange the code, learn who the user is,
// store the tokens), show or forget a user. The session routes a reserved
// request here with its body read; this answers it. Never forwards, never
// answers with a token or a code.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"
#include "proxy/token/credential_source.hpp"
#include "proxy/token/token_response.hpp"
#include "proxy/users/api_error.hpp"
#include "proxy/users/litmus_identity.hpp"
#include "proxy/users/oauth_state_store.hpp"
#include "proxy/users/stored_tokens.hpp"
#include "proxy/users/user_store.hpp"
#include "proxy/users/user_tokens.hpp"
#include "proxy/users/users_metrics.hpp"

#include <boost/system/result.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace litmus::users {

/// What the session writes back.
struct endpoint_answer {
    unsigned status = 200;
    std::string body;   ///< JSON; "" for 204
    std::string allow;  ///< 405 only
    std::string error;  ///< the `error` code of an error answer, for the access line; "" on success
};

/// Not thread-safe: on the proxy's io_context thread.
class litmus_endpoints {
public:
    /// POSTs a token grant (token_client::fetch).
    using fetch_fn = std::function<net::awaitable<token::fetch_result>(token::token_grant)>;
    /// GET /v2/users/current with an Authorization value (identity_client::fetch).
    using identity_fn =
        std::function<net::awaitable<boost::system::result<litmus_identity, std::string>>(std::string)>;

    litmus_endpoints(const config::users_config& cfg, const token::credential_source& creds, fetch_fn fetch,
                     identity_fn identity, user_store& store, user_tokens& tokens, users_metrics& metrics,
                     wall_clock wall_now = system_wall_seconds);

    /// Answers one request under /_litmus/ (users::is_litmus_target) whose
    /// body is `body`.
    net::awaitable<endpoint_answer> handle(http::verb method, std::string_view target, std::string body);

private:
    endpoint_answer authorize(std::string_view body);
    net::awaitable<endpoint_answer> callback(std::string_view body);
    net::awaitable<endpoint_answer> status(const std::string& user);
    net::awaitable<endpoint_answer> forget(const std::string& user);

    const config::users_config& cfg_;
    const token::credential_source& creds_;
    fetch_fn fetch_;
    identity_fn identity_;
    user_store& store_;
    user_tokens& tokens_;
    users_metrics& metrics_;
    wall_clock wall_now_;
    oauth_state_store states_;
};

}  // namespace litmus::users

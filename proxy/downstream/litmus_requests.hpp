#pragma once
// What the users feature adds to a session: requests to the proxy's own
// /_litmus/ endpoints, answered here and never forwarded, and the identity
// (Litmus-User, users.default) an API request is sent with.

#include "proxy/core/error.hpp"
#include "proxy/core/net.hpp"
#include "proxy/forward/forwarder.hpp"
#include "proxy/forward/proxy_services.hpp"
#include "proxy/forward/request_id.hpp"

#include <boost/system/result.hpp>

#include <memory>
#include <string>

namespace litmus::users {
class user_token_source;
}  // namespace litmus::users

namespace litmus::downstream {

/// Reads the body of a request whose target is reserved
/// (users::is_litmus_target), has the endpoints answer it and writes the
/// answer. The same checks as for any request come first (framing, Host,
/// Origin); with the users feature off every such request is 404. Bodies
/// are JSON of at most users::max_request_body bytes (else 413).
net::awaitable<forward::forward_result> serve_litmus_endpoint(forward::proxy_services& svc, client_stream& stream,
                                                              beast::flat_buffer& buffer,
                                                              http::request_parser<http::string_body>& parser,
                                                              const forward::request_id& id);

/// Whose token an API request is sent with.
struct request_identity {
    /// The user's token source, held for the request; null: the proxy's
    /// client-credentials token.
    std::shared_ptr<users::user_token_source> user;
    forward::token_choice tokens(forward::proxy_services& svc) const;
};

/// Why a request cannot be sent as anyone: answered with `error`, naming
/// `user` when it is about one.
struct identity_refusal {
    errc error;
    std::string user;
};

/// The identity of `req`: the user its one `Litmus-User` header names, else
/// users.default's, else the proxy's own; the Litmus-User fields are removed
/// from `req` (they are the proxy's, never Litmus's). Refusals:
/// invalid_litmus_user (empty, malformed, repeated), user_not_connected
/// (unknown user, or the users feature is off), reauthorization_required,
/// store_unavailable.
net::awaitable<boost::system::result<request_identity, identity_refusal>> identify_request(
    forward::proxy_services& svc, http::request_header<>& req);

}  // namespace litmus::downstream

#pragma once
// What the users feature adds to a session: requests to the proxy's own
// /_litmus/ endpoints, answered here and never forwarded, and the identity
// (Litmus-User, users.default) an API request is sent with.

#include "proxy/core/error.hpp"
#include "proxy/core/deadline_stream.hpp"
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

/// Why a request cannot be sent as anyone: answered with `error`, naming
/// `user` when it is about one.
struct identity_refusal {
    errc error;
    std::string user;
};

/// The user `req` acts for: the one its single `Litmus-User` header names
/// (the header is then removed: it is the proxy's, never Litmus's), else
/// users.default; "" = the proxy's own client-credentials token. Cheap and
/// synchronous, so the common request (no user) pays no coroutine for it.
/// Refusal: invalid_litmus_user (empty, malformed, repeated header).
boost::system::result<std::string, identity_refusal> requested_user(const forward::proxy_services& svc,
                                                                   http::request_header<>& req);

/// A user's token source, held for the request.
using user_source_ptr = std::shared_ptr<users::user_token_source>;

/// The token source of `user` when it is in memory, without a coroutine;
/// null when user_source() has to be awaited (or the users feature is off).
user_source_ptr loaded_user_source(forward::proxy_services& svc, std::string_view user);

/// The token source of `user` (not ""), read from the store when not in
/// memory. Refusals: user_not_connected (unknown user, or the users feature
/// is off), reauthorization_required, store_unavailable.
net::awaitable<boost::system::result<user_source_ptr, identity_refusal>> user_source(forward::proxy_services& svc,
                                                                                    std::string user);

/// The tokens of a user's request, for the forwarder.
forward::token_choice tokens_of(const user_source_ptr& source);

}  // namespace litmus::downstream

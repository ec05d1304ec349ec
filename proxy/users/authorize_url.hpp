#pragma once
// The Litmus authorization page URL a user is sent to (RFC 6749 §4.1.1):
// users.authorize_url with response_type=code, client_id, redirect_uri (only
// when the app gave one: Litmus then requires none in the code exchange
// either), state and scope=full. Pure; thread-safe.

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace litmus::users {

/// The authorize URL. Query parameters already in `authorize_url` are kept
/// (one named like ours is replaced); every value is percent-encoded with
/// everything but RFC 3986 unreserved characters escaped, so '&', '=', '+',
/// '#', '%', spaces and non-ASCII bytes in a redirect_uri or client_id
/// arrive unchanged. `redirect_uri` "" = left out. Fails when
/// `authorize_url` is not an absolute URI (load_config checks it is https).
boost::system::result<std::string> make_authorize_url(std::string_view authorize_url, std::string_view client_id,
                                                      std::string_view redirect_uri, std::string_view state);

}  // namespace litmus::users

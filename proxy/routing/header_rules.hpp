#pragma once
// Header rules applied on both sides of the proxy: request framing checks
// (smuggling shapes), hop-by-hop removal (RFC 9110 §7.6.1) and the
// credential and Host rewrite. Pure functions over Beast field containers.

#include "proxy/core/error.hpp"

#include <boost/beast/http/fields.hpp>

#include <string_view>

namespace litmus::routing {

/// Refuses request framings that two HTTP parsers could read differently:
/// more than one Content-Length field, more than one Transfer-Encoding field,
/// or a Transfer-Encoding other than exactly "chunked". (Beast itself already
/// refuses Content-Length together with Transfer-Encoding.)
/// Returns {} or errc::bad_request.
boost::system::error_code check_request_framing(const boost::beast::http::fields& f);

/// Removes hop-by-hop headers: Connection and every field it names,
/// Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE,
/// Trailer, Transfer-Encoding and Upgrade. Transfer-Encoding and Content-Length
/// are re-derived by the serializer from the body that is actually sent.
void remove_hop_by_hop(boost::beast::http::fields& f);

/// Prepares a client request for the upstream: hop-by-hop headers and
/// `Expect` removed (the proxy answers 100-continue itself), the client's
/// Authorization replaced by `authorization` ("Bearer <token>"), Host set to
/// `upstream_authority`.
void prepare_upstream_request(boost::beast::http::fields& f, std::string_view upstream_authority,
                              std::string_view authorization);

}  // namespace litmus::routing

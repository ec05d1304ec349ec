#pragma once
// Header rules applied on both sides of the proxy: request framing checks
// (smuggling shapes), hop-by-hop removal (RFC 9110 §7.6.1) and the
// credential and Host rewrite. Pure functions over Beast field containers.

#include "proxy/core/error.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/container/small_vector.hpp>
#include <boost/system/result.hpp>

#include <string_view>
#include <vector>

namespace litmus::routing {

/// Refuses request framings that two HTTP parsers could read differently:
/// more than one Content-Length field, more than one Transfer-Encoding field,
/// a Transfer-Encoding other than exactly "chunked", or any Transfer-Encoding
/// in an HTTP/1.0 request (RFC 9112 §6.1: such framing is faulty; a 1.0
/// hop would pass the chunk terminator on as a second request). (Beast
/// itself already refuses Content-Length together with Transfer-Encoding.)
/// Errors: bad_request; version_not_supported for a major version other than 1.
boost::system::result<void, errc> check_request_framing(const boost::beast::http::request_header<>& req);

/// The fields of a message as they stand, to tell them apart later from
/// trailer fields: Beast's parser adds the trailer section of a chunked
/// message to the header fields, and those must never be forwarded (a
/// trailer "Authorization" would travel next to the injected one). Position
/// cannot tell them apart, as Beast inserts a field next to others of the same
/// name; identity can. Take the snapshot once the header is final, before
/// body bytes are parsed; a message that is not chunked has no trailer
/// section (RFC 9112 §7.1.2) and needs none.
class header_snapshot {
public:
    explicit header_snapshot(const boost::beast::http::fields& f);

    /// Erases every field added since the snapshot. Returns how many.
    std::size_t drop_added(boost::beast::http::fields& f) const;

private:
    /// Addresses of the field nodes, sorted; inline for a usual header, as
    /// a snapshot is taken for every chunked message.
    boost::container::small_vector<const void*, 32> fields_;
};

/// Removes hop-by-hop headers: Connection and every field it names (but
/// Content-Length, which frames the message),
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

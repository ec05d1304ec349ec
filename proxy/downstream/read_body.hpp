#pragma once
// Reading the rest of a request's body into its parser, once the header has
// been read and the request decided: the buffered requests' bodies and the
// /_litmus/ endpoints' JSON.

#include "proxy/core/deadline_stream.hpp"
#include "proxy/core/net.hpp"
#include "proxy/forward/forwarder.hpp"
#include "proxy/forward/proxy_services.hpp"
#include "proxy/forward/request_id.hpp"

#include <optional>

namespace litmus::downstream {

/// Reads the rest of the body (after a 100 Continue when the client expects
/// one) within downstream.io_timeout, up to the parser's body limit. nullopt
/// when the whole body is read; otherwise the request is over: the client
/// went away (a result with nothing sent) or sent something refused (the
/// error reply written, the connection to be closed). bytes_in is left to
/// the caller.
net::awaitable<std::optional<forward::forward_result>> read_rest_of_body(
    forward::proxy_services& svc, client_stream& stream, beast::flat_buffer& buffer,
    http::request_parser<http::string_body>& parser, const forward::request_id& id);

}  // namespace litmus::downstream

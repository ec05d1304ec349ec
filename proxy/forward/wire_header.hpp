#pragma once
// An HTTP/1.1 message header as the bytes that go on the wire: the start
// line, each field as the header holds it, and the blank line.
//
// Written by hand rather than by Beast's serializer: the serializer's buffer
// views (buffers_cat_view, buffers_prefix_view, buffers_suffix and the
// adapters around them) cost 22k of the 95k instructions of a proxied 200 B
// request under callgrind, and over TLS each of its buffers went out as a
// TLS record of its own. Appending to a string whose capacity is reused lets
// a header go out in one write together with the body that follows it.

#include "proxy/core/net.hpp"

#include <string>

namespace litmus::forward {

/// Appends "METHOD target HTTP/x.y", every field, and the empty line.
void append_wire_header(std::string& out, const http::request_header<>& h);

/// Appends "HTTP/x.y status reason" (the standard reason when the header has
/// none), every field, and the empty line.
void append_wire_header(std::string& out, const http::response_header<>& h);

}  // namespace litmus::forward

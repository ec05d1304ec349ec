#pragma once
// Chooses the upstream for a request: by the authority of an absolute-form
// target, by a Host header naming an upstream host, or by path prefix (which
// is stripped). Pure: no I/O, no allocation beyond the returned target.

#include "proxy/core/error.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace litmus::routing {

/// What the router knows of one upstream.
struct route_entry {
    std::string host;    ///< lower-case, e.g. "api.litmus.com"
    std::string prefix;  ///< e.g. "/api", or "" for Host/authority routing only
    std::string base_path;  ///< the upstream URL's path, prepended to every target ("" = none)
};

struct route {
    std::size_t upstream = 0;  ///< index into the routing table
    std::string target;        ///< origin-form target to send upstream, e.g. "/v3/ping?x=1"
};

/// Thread-safe: immutable after construction.
class router {
public:
    explicit router(std::vector<route_entry> entries);

    /// `target` is the request-target as received, `host` the Host header
    /// value ("" if absent). Errors: bad_request (unsafe or malformed target,
    /// see has_unsafe_target_chars and has_dot_segment),
    /// method_not_allowed (authority- or asterisk-form), misdirected_request
    /// (absolute-form naming no upstream), route_not_found (no prefix matches).
    boost::system::result<route, errc> match(std::string_view target, std::string_view host) const;

private:
    boost::system::result<route, errc> match_entry(std::string_view target, std::string_view host) const;

    std::vector<route_entry> entries_;
};

/// True when `target` holds bytes no request-target may hold (RFC 3986 /
/// RFC 9112 §3.2): controls, space, non-ASCII, '\\', '#', '"', '<', '>', or a
/// '%' not followed by two hex digits. Such targets are refused: the next hop
/// may read them differently from us.
bool has_unsafe_target_chars(std::string_view target) noexcept;

/// True when `path` (no query) contains a "." or ".." segment, literally or
/// percent-encoded. Such targets are refused rather than normalised, so the
/// proxy never forwards a path the upstream might resolve differently.
bool has_dot_segment(std::string_view path) noexcept;

}  // namespace litmus::routing

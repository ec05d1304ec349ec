#pragma once
// Who may spend the proxy's credential (DESIGN.md §2 "the trust boundary"):
// anything that reaches the listener gets its requests signed, so only local
// server-side callers are served. Two checks, both pure:
//  - Host must name this machine (a loopback name or address), an upstream
//    (HTTP-proxy style) or a host the operator allowed. A web page on a DNS
//    name that resolves to 127.0.0.1 (DNS rebinding) sends its own name.
//  - Browsers announce themselves with Origin and Sec-Fetch-Site; server-side
//    clients send neither. A "simple" cross-origin POST needs no preflight,
//    so any open web page could otherwise make the browser call us.
// On a Unix-domain listener (`listen: unix:PATH`) the socket file's mode has
// already decided who may call; the same checks still apply, unchanged:
// clients over a socket send "Host: localhost" (curl --unix-socket does), and
// a local web server relaying browser requests must not pass them on.

#include "proxy/core/error.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace litmus::routing {

/// Thread-safe: immutable after construction.
struct trust_policy {
    std::vector<std::string> upstream_hosts;   ///< lower-case names or IP literals ("[::1]" bracketed)
    std::vector<std::string> allowed_hosts;    ///< downstream.allowed_hosts, lower-case, IPv6 bracketed
    std::vector<std::string> allowed_origins;  ///< downstream.allowed_origins, lower-case
};

/// The host of a Host header value ("name", "1.2.3.4" or "[v6]"), after
/// checking the whole value is `host [":" port]` with a decimal port.
/// Errors: invalid_host (empty, bad characters, bad port).
boost::system::result<std::string_view, errc> host_of(std::string_view host_header) noexcept;

/// True for "localhost" (any case), 127.0.0.0/8 in dotted-decimal and
/// loopback IPv6 literals ("[::1]", "[::ffff:127.0.0.1]").
bool is_loopback_host(std::string_view host) noexcept;

/// Exactly one Host field naming an accepted host. Errors: invalid_host
/// (missing, repeated, malformed), host_not_allowed.
boost::system::result<void, errc> check_host(const boost::beast::http::fields& f, const trust_policy& p);

/// No browser signs of a cross-origin request, unless its Origin is allowed:
/// an Origin field (repeated, "null" or not listed: refused) or a
/// Sec-Fetch-Site other than "none" / "same-origin" without an allowed Origin.
/// Error: origin_not_allowed.
boost::system::result<void, errc> check_browser_origin(const boost::beast::http::fields& f,
                                                       const trust_policy& p);

}  // namespace litmus::routing

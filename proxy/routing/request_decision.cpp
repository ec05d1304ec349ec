#include "proxy/routing/request_decision.hpp"

#include "proxy/core/ascii.hpp"
#include "proxy/routing/header_rules.hpp"

namespace litmus::routing {

namespace http = boost::beast::http;

boost::system::result<void, errc> check_request(const http::request_header<>& req, const request_policy& p)
{
    if (auto framing = check_request_framing(req); !framing)
        return framing.error();

    if (req.method_string().size() > p.max_method_length)
        return errc::method_not_implemented;
    if (req.target().size() > p.max_target_length)
        return errc::target_too_long;
    // TRACE is answered here, never forwarded: a server that reflects the
    // request (as TRACE is meant to) would hand the injected token back.
    // CONNECT would open a tunnel the proxy cannot inspect or sign.
    // Methods are case-sensitive (RFC 9110 §9.1), so "trace" is another,
    // unknown method; but a server that matches names loosely would still
    // reflect it, so any spelling is refused.
    auto method = req.method_string();
    if (litmus::iequals(method, "TRACE") || litmus::iequals(method, "CONNECT"))
        return errc::method_not_allowed;

    if (auto host = check_host(req, p.trust); !host)
        return host.error();
    if (auto origin = check_browser_origin(req, p.trust); !origin)
        return origin.error();
    return {};
}

boost::system::result<route, errc> decide_request(const http::request_header<>& req, const router& r,
                                                  const request_policy& p)
{
    if (auto checked = check_request(req, p); !checked)
        return checked.error();
    return r.match(req.target(), req[http::field::host]);
}

}  // namespace litmus::routing

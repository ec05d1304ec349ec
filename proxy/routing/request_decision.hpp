#pragma once
// The decision about a request whose header has been read, before a byte of
// it goes anywhere: refuse it (and why) or forward it along a route. Pure, so
// the whole of it can be table-tested and fuzzed without sockets.

#include "proxy/core/error.hpp"
#include "proxy/routing/router.hpp"
#include "proxy/routing/trust_boundary.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/system/result.hpp>

#include <cstddef>

namespace litmus::routing {

/// Thread-safe: immutable after construction.
struct request_policy {
    /// Longest method name. RFC 9112 §3 asks a server to answer 501 to a
    /// method longer than any it implements; the proxy forwards unknown
    /// methods, so it bounds their length instead.
    std::size_t max_method_length = 32;
    std::size_t max_target_length = 8 * 1024;  ///< downstream.target_limit
    trust_policy trust;
};

/// Steps 1 to 3 of decide_request: what every request must pass, the proxy's
/// own /_litmus/ endpoints included, before anything is done with it.
boost::system::result<void, errc> check_request(const boost::beast::http::request_header<>& req,
                                                const request_policy& p);

/// In order, the first failing check decides the answer:
///  1. framing (check_request_framing): bad_request, version_not_supported;
///  2. request line: method_not_implemented (method too long),
///     target_too_long, method_not_allowed (TRACE, CONNECT);
///  3. the trust boundary: invalid_host, host_not_allowed, origin_not_allowed;
///  4. the route: router::match's errors.
boost::system::result<route, errc> decide_request(const boost::beast::http::request_header<>& req, const router& r,
                                                  const request_policy& p);

}  // namespace litmus::routing

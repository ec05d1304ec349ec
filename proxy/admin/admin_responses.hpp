#pragma once
// What the admin listener answers, request by request: GET or HEAD on
// /metrics, /healthz and /readyz, and JSON errors for anything else. Pure,
// so that every path and method is checked without a socket.

#include "proxy/admin/readiness.hpp"
#include "proxy/core/net.hpp"

#include <functional>
#include <string>

namespace litmus::admin {

/// Where the admin answers come from. Both are called on the proxy's
/// io_context thread for each request and must return at once: nothing in
/// the admin path may wait (on the token endpoint least of all).
struct admin_sources {
    std::function<std::string()> metrics_text;  ///< Prometheus text format
    std::function<proxy_state()> state;         ///< for /readyz
};

/// Prometheus' text exposition format, version 0.0.4.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// The answer to `req`, ready to send (Content-Length set; for HEAD, the
/// length of what GET would send and no body). Never echoes a byte of the
/// request. The caller decides keep-alive.
http::response<http::string_body> admin_response(const http::request_header<>& req, const admin_sources& src);

/// A JSON error answer {"error":code,"message":message} for requests that
/// cannot be read (400, 431) as well as unknown paths and methods.
http::response<http::string_body> admin_error(http::status status, std::string_view code, std::string_view message);

}  // namespace litmus::admin

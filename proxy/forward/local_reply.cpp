#include "proxy/forward/local_reply.hpp"

namespace litmus::forward {

std::optional<errc> reply_for_read_error(const error_code& ec)
{
    if (ec == http::error::header_limit)
        return errc::header_too_large;
    if (ec == http::error::body_limit)
        return errc::body_too_large;
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::bad_target).category())
        return std::nullopt;
    return errc::bad_request;
}

std::string_view default_message(errc e) noexcept
{
    switch (e) {
    case errc::bad_request: return "the request is malformed or uses a framing the proxy refuses";
    case errc::header_too_large: return "the request header is larger than downstream.header_limit";
    case errc::body_too_large: return "the request body is larger than downstream.body_limit";
    case errc::method_not_allowed: return "TRACE, CONNECT and asterisk-form requests are not forwarded (TRACE would reflect the injected credential)";
    case errc::route_not_found: return "no upstream matches this path; use a configured prefix such as /api/ or /instant/";
    case errc::misdirected_request: return "this proxy does not serve the requested host";
    case errc::invalid_host: return "the request needs exactly one valid Host header (RFC 9112 section 3.2)";
    case errc::host_not_allowed: return "the Host header names no loopback address, upstream host or downstream.allowed_hosts entry; only local callers may use this proxy";
    case errc::origin_not_allowed: return "browser requests (Origin or cross-site Sec-Fetch-Site) are refused unless the origin is in downstream.allowed_origins";
    case errc::method_not_implemented: return "the method name is longer than 32 characters";
    case errc::target_too_long: return "the request-target is longer than downstream.target_limit";
    case errc::version_not_supported: return "only HTTP/1.0 and HTTP/1.1 are served";
    case errc::upstream_connect_failed: return "could not connect to the upstream";
    case errc::upstream_connect_timeout: return "timed out connecting to the upstream";
    case errc::upstream_tls_handshake: return "TLS handshake with the upstream failed (certificate not trusted or wrong host)";
    case errc::upstream_reset_before_response: return "the upstream closed the connection before responding";
    case errc::upstream_response_timeout: return "timed out waiting for the upstream response";
    case errc::upstream_bad_response: return "the upstream sent a malformed response";
    case errc::upstream_write_timeout: return "timed out sending the request to the upstream";
    case errc::upstream_unredactable_response: return "the upstream answered a token-echoing request with an encoded body that cannot be scrubbed of the token";
    case errc::token_unavailable: return "no valid Litmus access token is available yet; the token endpoint is unreachable or slow";
    case errc::token_rejected: return "the Litmus token endpoint rejects the configured client credentials";
    case errc::token_endpoint_failed: return "the Litmus token endpoint failed";
    case errc::token_bad_response: return "the Litmus token endpoint sent an unusable response";
    case errc::refresh_refused: return "the refresh token was refused; the user must authorize again";
    case errc::invalid_litmus_user: return "the Litmus-User header must appear once, with a user key of 1 to 128 characters from A-Z a-z 0-9 . _ @ -";
    case errc::user_not_connected: return "this user has not connected a Litmus account (POST /_litmus/oauth/authorize), or was forgotten";
    case errc::reauthorization_required: return "Litmus refused this user's refresh token; the user must authorize again (POST /_litmus/oauth/authorize)";
    case errc::store_unavailable: return "the user store cannot be reached now; requests without Litmus-User are unaffected";
    case errc::shutting_down: return "the proxy is shutting down";
    }
    return "internal error";
}

http::response<http::string_body> make_json_reply(unsigned status, std::string body, unsigned version,
                                                  bool keep_alive)
{
    http::response<http::string_body> res{static_cast<http::status>(status), version};
    if (!body.empty())
        res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

http::response<http::string_body> make_local_reply(errc e, std::string_view message, unsigned version,
                                                   bool keep_alive, unsigned retry_after_s, std::string_view user)
{
    json::object body{{"error", name_of(e)}, {"message", message}};
    if (!user.empty())
        body["user"] = user;
    auto res = make_json_reply(http_status_of(e), json::serialize(body), version, keep_alive);
    res.set("Litmus-Proxy-Error", name_of(e));
    if (retry_after_s > 0)
        res.set(http::field::retry_after, std::to_string(retry_after_s));
    return res;
}

}  // namespace litmus::forward

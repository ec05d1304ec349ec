#pragma once
// The proxy's own error codes: what failed and on which side. Every local
// reply the proxy produces comes from one of these, through http_status_of().

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace litmus {

enum class errc {
    // downstream: the client's request
    bad_request = 1,          ///< malformed HTTP or a request shape we refuse (smuggling)
    header_too_large,         ///< request header block over downstream.header_limit
    body_too_large,           ///< request body over downstream.body_limit
    method_not_allowed,       ///< CONNECT and asterisk-form requests
    route_not_found,          ///< no upstream prefix matches the path
    misdirected_request,      ///< absolute-form authority names no upstream
    invalid_host,             ///< Host missing, repeated or malformed (RFC 9112 §3.2)
    host_not_allowed,         ///< Host names no local or allowed server (DNS rebinding)
    origin_not_allowed,       ///< a browser request from an origin not in downstream.allowed_origins
    method_not_implemented,   ///< method name longer than any the proxy forwards
    target_too_long,          ///< request-target over downstream.target_limit
    version_not_supported,    ///< an HTTP major version other than 1
    // upstream: the Litmus API connection
    upstream_connect_failed,
    upstream_connect_timeout,
    upstream_tls_handshake,   ///< includes certificate verification failures
    upstream_reset_before_response,
    upstream_response_timeout,
    upstream_bad_response,
    upstream_write_timeout,   ///< sending the request upstream stalled
    upstream_unredactable_response,  ///< a token-echoing response came encoded, so it cannot be scrubbed
    // token: the token endpoint and the token source
    token_unavailable,        ///< no valid token within token.wait_timeout
    token_rejected,           ///< the token endpoint refuses the client credentials
    token_endpoint_failed,    ///< network failure, timeout or 5xx at the token endpoint
    token_bad_response,       ///< the token endpoint answered something unusable
    refresh_refused,          ///< the refresh token was refused (invalid_grant)
    // users: requests acting for one of the app's users (Litmus-User)
    invalid_litmus_user,      ///< an empty, malformed or repeated Litmus-User header
    user_not_connected,       ///< the user has no usable token (never authorized, or forgotten)
    reauthorization_required, ///< Litmus refused the user's refresh token: the user must authorize again
    store_unavailable,        ///< the user store cannot be read or written now
    // internal
    shutting_down,
};

enum class error_source { downstream, upstream, token, internal };

const boost::system::error_category& proxy_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), proxy_category()};
}

/// Found by boost::system::result<T, errc>::value() through ADL.
[[noreturn]] void throw_exception_from_error(errc e, const boost::source_location& loc);

/// Which side an error comes from.
error_source source_of(errc e) noexcept;

/// The snake_case name of an error, used as the JSON `error` field, the log
/// detail and the metrics label. Stable: it is part of the public contract.
std::string_view name_of(errc e) noexcept;

/// The HTTP status the proxy answers with for an error it produced itself.
unsigned http_status_of(errc e) noexcept;

}  // namespace litmus

template <>
struct boost::system::is_error_code_enum<litmus::errc> : std::true_type {};

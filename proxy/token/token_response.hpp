#pragma once
// What the token endpoint is asked for, and what its answers mean. Pure: the
// parsing of a response is separate from the HTTP exchange so that every
// malformed answer can be tabled in unit tests.

#include "proxy/config/config.hpp"
#include "proxy/core/error.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace litmus::token {

enum class grant_kind { client_credentials, refresh_token, authorization_code };
std::string_view to_string(grant_kind k) noexcept;

/// One request to the token endpoint.
struct token_grant {
    grant_kind kind = grant_kind::client_credentials;
    std::string refresh_token;  ///< for refresh_token
    std::string code;           ///< for authorization_code
    std::string redirect_uri;   ///< for authorization_code, "" = not sent
};

/// A usable answer. `access_token` has been checked to be safe in a header.
struct token_response {
    std::string access_token;
    std::optional<std::string> refresh_token;
    std::chrono::milliseconds lifetime{0};
    bool lifetime_defaulted = false;  ///< no usable expires_in: token.default_lifetime applied
    bool lifetime_capped = false;     ///< expires_in above token.max_lifetime
};

/// A failed fetch. `reason` is safe to log: the endpoint's `error` and
/// `error_description` (truncated, control characters dropped) or what was
/// wrong with the answer; never a token.
struct token_failure {
    errc code = errc::token_endpoint_failed;
    unsigned status = 0;  ///< HTTP status, 0 if none was received
    std::string reason;
    /// The endpoint's OAuth `error` code (RFC 6749 §5.2), such as
    /// "invalid_client", when its error answer carried one; "" otherwise.
    /// Printable ASCII, at most 64 bytes: readiness reports it.
    std::string oauth_error = {};
};

using fetch_result = std::variant<token_response, token_failure>;

/// Longest access or refresh token accepted (bytes). Litmus tokens are far
/// shorter; anything near this is an error page, not a token.
inline constexpr std::size_t max_token_size = 8 * 1024;

/// True when `s` is a non-empty RFC 7235 token68 (the only shape that is safe
/// after "Bearer " in a header) of at most max_token_size bytes.
bool is_token68(std::string_view s) noexcept;

/// Interprets a token endpoint answer to `kind`.
/// - 2xx: JSON object with a token68 `access_token`; `token_type` absent or
///   "Bearer" in any case; `expires_in` a positive number of seconds
///   (fractions floored, at least 1 s), capped at cfg.max_lifetime; missing or
///   not a number: cfg.default_lifetime; zero or negative: bad response.
///   Unknown fields are ignored. Anything else: token_bad_response.
/// - 400/401 to a refresh_token grant: refresh_refused.
/// - 400/401 otherwise: token_rejected (credentials or request refused: a
///   retry with the same input cannot succeed, only a changed secret can).
/// - anything else (429, 5xx, 3xx): token_endpoint_failed.
fetch_result parse_token_response(grant_kind kind, unsigned status, std::string_view body,
                                  const config::token_config& cfg);

/// The JSON request body for a grant.
std::string make_grant_body(const token_grant& grant, std::string_view client_id,
                            std::string_view client_secret);

}  // namespace litmus::token

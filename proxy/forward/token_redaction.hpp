#pragma once
// Litmus's GET /v3/ping/authenticated echoes the caller's access token in its
// body (meta.accessToken.token). The application must never see our token,
// so that one response is read whole (it is small) and scrubbed; every other
// response streams through untouched.

#include <string>
#include <string_view>

namespace litmus::forward {

/// Largest echoing response read for scrubbing; a larger one is refused
/// (502) rather than passed on unscrubbed.
inline constexpr std::size_t max_redacted_body = 1024 * 1024;

inline constexpr std::string_view redacted_marker = "[REDACTED]";

/// True for upstream targets whose response body echoes the access token.
bool echoes_token(std::string_view upstream_target) noexcept;

/// Replaces every occurrence of `token` in `body` with redacted_marker, also
/// where JSON wrote its '/' characters as "\/". Returns how many were replaced.
std::size_t redact(std::string& body, std::string_view token);

}  // namespace litmus::forward

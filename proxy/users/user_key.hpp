#pragma once
// The key an app gives each of its end users (`Litmus-User: KEY`, the
// `users.default` setting, the rows of the user store). Pure; thread-safe.

#include <string_view>

namespace litmus::users {

/// Longest user key, in characters.
inline constexpr std::size_t max_user_key_length = 128;

/// True when `key` is 1..128 characters of [A-Za-z0-9._@-]: enough for an
/// e-mail address or an app's own ids, and nothing that needs escaping in a
/// header, a URL path segment, a log line or a SQL literal.
bool is_valid_user_key(std::string_view key) noexcept;

}  // namespace litmus::users

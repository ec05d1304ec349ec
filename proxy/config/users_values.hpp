#pragma once
// The values of the `users:` section as text -> typed value: the store
// location, the token encryption key, redirect URIs and user keys. Pure
// functions (thread-safe). A key's or a PostgreSQL URL's text is never put in
// a message: both are secrets (the URL may hold a password).

#include "proxy/config/config.hpp"
#include "proxy/config/config_values.hpp"

#include <string>
#include <string_view>

namespace litmus::config {

/// How to make a key, for the messages that refuse one.
inline constexpr std::string_view store_key_help =
    "make one with: openssl rand -base64 32 > users.key (then chmod 600 users.key)";

/// "sqlite:PATH" (PATH not empty) or a "postgres://..." / "postgresql://..."
/// URL, kept as written.
value_result<user_store_location> parse_user_store(std::string_view text);

/// 32 bytes written as standard base64 (44 characters, one '=' of padding)
/// or as 64 hex digits (either case). Anything else is refused with a
/// message that says how to make a key and never quotes `text`.
value_result<store_key> parse_store_key(std::string_view text);

/// An absolute URI (RFC 3986 absolute-URI: a scheme, no fragment), kept as
/// written: redirect URIs are compared exactly, as Litmus does.
value_result<std::string> parse_redirect_uri(std::string_view text);

/// A user key: 1..128 characters of [A-Za-z0-9._@-].
value_result<std::string> parse_user_key(std::string_view text);

}  // namespace litmus::config

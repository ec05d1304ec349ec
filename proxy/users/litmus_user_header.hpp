#pragma once
// The `Litmus-User: KEY` request header: which of the app's users a request
// acts for. Refused unless it is unambiguous: a request that names its user
// badly must not fall back to another identity (the default user or the
// client-credentials token). Pure; thread-safe.

#include "proxy/users/api_error.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace litmus::users {

/// The header's name.
inline constexpr std::string_view litmus_user_header = "Litmus-User";

/// The user named by the Litmus-User field values of one request, in any
/// case of the name: nullopt when there is none; the key when there is
/// exactly one and it is 1..128 characters of [A-Za-z0-9._@-]. An empty
/// value, a malformed one (spaces, a comma list, anything outside the
/// grammar) or a repeated header: 400 invalid_litmus_user.
boost::system::result<std::optional<std::string>, api_error> parse_litmus_user(
    std::span<const std::string_view> values);

/// The same, reading the values from `fields`.
boost::system::result<std::optional<std::string>, api_error> parse_litmus_user(
    const boost::beast::http::fields& fields);

}  // namespace litmus::users

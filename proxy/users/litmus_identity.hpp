#pragma once
// Who a user is at Litmus: `id` and `full_name` of GET /v2/users/current,
// read after a code exchange and shown to the app (never a token). Pure;
// thread-safe.

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace litmus::users {

struct litmus_identity {
    std::string id;         ///< as text: Litmus sends a number, the store keeps text
    std::string full_name;  ///< "" when Litmus gave none
};

/// Reads a /v2/users/current answer: `{"user": {"id", "full_name", ...}}`
/// (the documented shape), or the same fields at the top level. `id` is an
/// integer (written in decimal) or a non-empty string; `full_name` a string,
/// null or absent (""). The error is a message safe to log: it names what
/// was wrong, never quotes the body.
boost::system::result<litmus_identity, std::string> parse_current_user(std::string_view body);

/// `{"id": ..., "full_name": ...}`.
boost::json::object to_json(const litmus_identity& who);

}  // namespace litmus::users

#pragma once
// Reading the JSON body of a /_litmus/ request: one object, string fields
// checked one by one, so every endpoint refuses malformed input with the
// same 400 invalid_request shape and a message naming the field. Pure;
// thread-safe.

#include "proxy/users/api_error.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace litmus::users {

/// Largest request body read (bytes): the endpoints take a few short
/// strings; the caller should not buffer more than this either.
inline constexpr std::size_t max_request_body = 16 * 1024;

/// `body` as a JSON object; invalid_request when it is larger than
/// max_request_body, not JSON, or JSON but not an object.
boost::system::result<boost::json::object, api_error> parse_json_object(std::string_view body);

/// The string field `name`: nullopt when absent or null; invalid_request
/// when it is another type, empty, or longer than `max_size` bytes.
boost::system::result<std::optional<std::string>, api_error> optional_string_field(const boost::json::object& o,
                                                                                   std::string_view name,
                                                                                   std::size_t max_size);

/// Like optional_string_field, and invalid_request when absent or null.
boost::system::result<std::string, api_error> required_string_field(const boost::json::object& o,
                                                                    std::string_view name, std::size_t max_size);

}  // namespace litmus::users

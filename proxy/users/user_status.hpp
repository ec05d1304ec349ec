#pragma once
// GET /_litmus/users/KEY: what the app may know about one of its users,
// from the stored row. Pure; thread-safe.

#include "proxy/users/user_store.hpp"

#include <cstdint>
#include <string>

namespace litmus::users {

/// Seconds until the row's access token expires at wall-clock `now` (Unix
/// seconds); 0 once it has.
std::int64_t access_expires_in(const user_record& record, std::int64_t now);

/// True when requests for this user can be served: no reauthorization
/// required, and an access token still valid at `now` or a refresh token to
/// get a new one.
bool is_connected(const user_record& record, std::int64_t now);

/// `{"user", "connected", "litmus_user": {"id", "full_name"},
/// "reauthorization_required", "expires_in"}` at wall-clock `now`. Never a
/// token. (A user the store does not hold is api_errors::user_not_found().)
std::string user_status_answer(const user_record& record, std::int64_t now);

}  // namespace litmus::users

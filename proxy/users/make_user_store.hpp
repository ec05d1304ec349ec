#pragma once
// The user store users.store names, with the cipher built from the
// configured keys. Called once at start.

#include "proxy/config/config.hpp"
#include "proxy/users/user_store.hpp"

#include <memory>

namespace litmus::users {

/// The store for `cfg` (users.store). `cfg.key` must be resolved
/// (load_config with credentials_use::required). Opens nothing yet: the
/// store opens on first use, so an unavailable store does not stop the
/// start.
std::unique_ptr<user_store> make_user_store(const config::users_config& cfg);

}  // namespace litmus::users

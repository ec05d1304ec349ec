#pragma once
// What every user store does between a user_record and its stored row: the
// tokens sealed with token_cipher on the way in, opened (and a row that does
// not open reported) on the way out, the wall clock that stamps updated_at,
// and plaintext copies wiped after use. Shared by the SQLite and PostgreSQL
// stores so both keep rows the same way.

#include "proxy/users/token_cipher.hpp"
#include "proxy/users/user_store.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace litmus::users {

/// Wall-clock seconds since the Unix epoch, injectable for tests.
using wall_clock = std::function<std::int64_t()>;
std::int64_t system_wall_seconds();

/// Overwrites a plaintext token copy that must not outlive its use in memory.
void cleanse(std::string& s);

/// A record's two tokens encrypted for its user under the current key.
struct sealed_tokens {
    std::string access;
    std::string refresh;
};
sealed_tokens seal_tokens(const token_cipher& cipher, const user_record& r);

/// `r` (every field but the tokens already read from the row) with its
/// tokens decrypted from the stored `access` and `refresh`, and
/// read_under_old_key set. A token that does not decrypt is logged
/// (user_store_row_unreadable, with `store` naming the store without
/// secrets) and reported as store_errc::record_unreadable: the caller treats
/// the user as needing a new authorization.
store_result<std::optional<user_record>> open_tokens(const token_cipher& cipher, user_record r,
                                                     std::string_view access, std::string_view refresh,
                                                     std::string_view store);

}  // namespace litmus::users

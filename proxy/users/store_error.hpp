#pragma once
// How a user store operation fails, as error codes of their own category:
// store_result carries these, and also the errc a refresh function passes
// through (refresh_refused, token_endpoint_failed, ...), in one error_code.

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace litmus::users {

enum class store_errc {
    /// The store cannot be opened, read or written now (missing directory,
    /// disk full, not a database, database down). The caller answers 503
    /// `store_unavailable`; the next operation tries again.
    unavailable = 1,
    /// A stored user's tokens do not decrypt: encrypted under a key that is
    /// neither users.key_file nor users.old_key_file, or altered. The user
    /// has to authorize again.
    record_unreadable,
    /// The operation's wait was cancelled (shutdown) before it ran.
    cancelled,
};

const boost::system::error_category& store_category() noexcept;

inline boost::system::error_code make_error_code(store_errc e) noexcept
{
    return {static_cast<int>(e), store_category()};
}

/// "store_unavailable", "store_record_unreadable", "store_cancelled": stable
/// snake_case names for JSON `error` fields, logs and metric labels.
std::string_view name_of(store_errc e) noexcept;

}  // namespace litmus::users

template <>
struct boost::system::is_error_code_enum<litmus::users::store_errc> : std::true_type {};

#pragma once
// What the users feature keeps per user, and the interface of the stores that
// keep it (sqlite_user_store; postgres_user_store for replicas implements the
// same). Tokens cross this interface in clear; every store keeps them
// encrypted (token_cipher) and does its I/O off the caller's thread.

#include "proxy/users/store_error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace litmus::users {

namespace net = boost::asio;

/// One user's row. Times are wall-clock seconds since the Unix epoch: they
/// must mean the same after a restart, and across replicas.
struct user_record {
    std::string user;            ///< the app's user key (is_valid_user_key)
    std::string litmus_user_id;  ///< `id` of GET /v2/users/current, as text
    std::string full_name;       ///< `full_name` of GET /v2/users/current
    std::string access_token;
    std::int64_t access_expires_at = 0;  ///< when access_token expires
    std::string refresh_token;           ///< "" when Litmus gave none
    /// Litmus refused the refresh token: the user must go through the
    /// authorization again; until then no refresh is attempted.
    bool reauthorization_required = false;
    /// Set by the store on every write (the value passed in is ignored).
    std::int64_t updated_at = 0;
    /// Set by the store: 1 for a new row, +1 on every write. What
    /// refresh_locked() compares to tell whether another writer moved on.
    std::uint64_t revision = 0;
    /// Set by get(): a token of this row was encrypted under users.old_key_file;
    /// the next write re-encrypts the row under the current key.
    bool read_under_old_key = false;
};

/// Store operations fail with store_errc::unavailable (cannot open, read or
/// write now: the caller answers 503 and may try again later) or, for get()
/// and refresh_locked(), store_errc::record_unreadable (the row's tokens do
/// not decrypt: unknown key or altered; the user has to authorize again).
/// refresh_locked() also passes through the error its refresh function
/// returned (an errc such as errc::token_endpoint_failed).
template <class T>
using store_result = boost::system::result<T>;

/// What refresh_locked() ended with.
struct refresh_outcome {
    /// The row as it is now; nullopt when the user is no longer stored
    /// (erased meanwhile).
    std::optional<user_record> record;
    /// True: `refresh` ran and its record was written. False: it did not run
    /// because another writer had already moved the row past the revision the
    /// caller saw (use `record`, the winner's tokens), or because the row
    /// requires reauthorization.
    bool refreshed = false;
};

/// Every operation is an awaitable that resumes on the caller's executor;
/// the store's I/O runs on its own worker thread(s), never on the caller's.
/// Operations are not cancellable: once started they complete. Thread-safe:
/// operations may be started from any thread. Destroy a store only when no
/// operation is in flight.
class user_store {
public:
    /// Refreshes the tokens of `current` (the row just re-read under the
    /// lock) and returns the row to write: new tokens, or the same row with
    /// reauthorization_required set when Litmus refused the refresh token. An
    /// error is passed through and nothing is written. Runs on the caller's
    /// executor, so it may do network I/O.
    using refresh_fn = std::function<net::awaitable<store_result<user_record>>(user_record current)>;

    virtual ~user_store() = default;

    /// The user's row; nullopt when there is none.
    virtual net::awaitable<store_result<std::optional<user_record>>> get(std::string user) = 0;

    /// Inserts or replaces the row of `record.user` (encrypting both tokens
    /// under the current key) and returns it as stored, with its revision and
    /// updated_at.
    virtual net::awaitable<store_result<user_record>> put(user_record record) = 0;

    /// Removes the user's row; true when there was one.
    virtual net::awaitable<store_result<bool>> erase(std::string user) = 0;

    /// Sets reauthorization_required on the user's row (tokens kept, so the
    /// flag is the only change); true when there was a row.
    virtual net::awaitable<store_result<bool>> mark_reauthorization_required(std::string user) = 0;

    /// Single flight of a refresh across everything sharing the store: under
    /// a per-user lock, re-reads the row; when its revision is no longer
    /// `seen_revision` (someone else refreshed or re-authorized) or it
    /// requires reauthorization, returns it without calling `refresh`;
    /// otherwise calls `refresh` and writes what it returns, provided the row
    /// still has that revision. The lock is held while `refresh` runs, so a
    /// rotating refresh token is spent once.
    virtual net::awaitable<store_result<refresh_outcome>> refresh_locked(std::string user,
                                                                         std::uint64_t seen_revision,
                                                                         refresh_fn refresh) = 0;
};

}  // namespace litmus::users

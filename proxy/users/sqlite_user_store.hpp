#pragma once
// The embedded user store (users.store: sqlite:PATH): one SQLite file owned
// by this process, tokens encrypted with token_cipher. The file is created
// with mode 0600 (an existing one readable or writable by group or others is
// refused), journaled with WAL and written with synchronous=FULL: a refresh
// token Litmus has rotated exists nowhere else, so a write the proxy
// acknowledged must survive a crash.
//
// One worker thread owns the connection and its prepared statements; the
// file is opened on first use and again after any error, so a store that was
// unavailable (a missing directory, a full disk) recovers without a restart,
// and the proxy starts while it is down.
//
// Refresh single flight: one process owns the file, so an in-process lock
// per user (user_locks) serialises refreshes; the write at the end is a
// compare-and-set on the row's revision, so a re-authorization that lands
// while a refresh runs is never overwritten. Two processes must not share
// the file (that is what the PostgreSQL store is for).

#include "proxy/users/store_worker.hpp"
#include "proxy/users/stored_tokens.hpp"
#include "proxy/users/token_cipher.hpp"
#include "proxy/users/user_locks.hpp"
#include "proxy/users/user_store.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace litmus::users {

struct sqlite_store_options {
    std::string path;  ///< the database file (users.store without "sqlite:")
    /// How long a write waits for a lock another connection holds (sqlite3
    /// busy_timeout). Default 5 s.
    std::chrono::milliseconds busy_timeout{5'000};
    wall_clock now = system_wall_seconds;  ///< stamps updated_at
};

/// Thread-safe (see user_store). Opens nothing in the constructor.
class sqlite_user_store final : public user_store {
public:
    sqlite_user_store(sqlite_store_options options, std::shared_ptr<const token_cipher> cipher);
    ~sqlite_user_store() override;

    net::awaitable<store_result<std::optional<user_record>>> get(std::string user) override;
    net::awaitable<store_result<user_record>> put(user_record record) override;
    net::awaitable<store_result<bool>> erase(std::string user) override;
    net::awaitable<store_result<bool>> mark_reauthorization_required(std::string user) override;
    net::awaitable<store_result<refresh_outcome>> refresh_locked(std::string user, std::uint64_t seen_revision,
                                                                 refresh_fn refresh) override;

    /// The schema version this build writes (table schema_version).
    static constexpr int schema_version = 1;

private:
    class database;  ///< the connection; used on the worker thread only

    std::unique_ptr<database> db_;
    user_locks locks_;
    store_worker worker_;  ///< last: joined before db_ is destroyed
};

}  // namespace litmus::users

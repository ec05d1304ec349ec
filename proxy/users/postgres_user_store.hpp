#pragma once
// The shared user store (users.store: postgres://... or postgresql://...),
// for several replicas serving the same users: the rows of sqlite_user_store
// (tokens encrypted with token_cipher) in the tables litmus_proxy.users and
// litmus_proxy.schema_version, created on first use (under an advisory lock,
// so replicas starting together do not race), in a schema of their own so
// they never meet an application's own `users` table.
//
// libpq's calls block, so each connection is used on a worker thread of its
// own (store_worker): one for get/put/erase/mark, and one per refresh in
// flight, because a refresh holds its transaction open while the caller's
// refresh function runs on the caller's executor. Idle refresh connections
// are kept for reuse (a few). A connection is opened on first use and again
// after any error; an operation whose reused connection turns out to have
// been lost (the server restarted) is retried once on a new one. The URL is
// given to libpq as written, with connect_timeout=5 and TCP timeouts
// (tcp_user_timeout, keepalives) when it names none, so a database that is
// down or unreachable fails the operation with store_errc::unavailable within
// seconds (at once when the port refuses); after a failed connection attempt
// the operations queued behind it fail at once too (reconnect_delay), rather
// than each waiting out its own attempt. The URL's password is never
// logged: logs name the store as postgres://USER@HOST:PORT/DBNAME.
//
// Refresh single flight across the fleet: refresh_locked() takes the
// in-process lock of the user (user_locks: one database transaction per user
// per process), then BEGIN, pg_advisory_xact_lock on a hash of the user key
// (held until COMMIT, and released by the server if this process dies),
// re-reads the row, and calls the refresh function only when the row still
// has the revision the caller saw; the write is a compare-and-set on that
// revision (a put() of a new authorization does not take the lock) and
// COMMIT releases the lock. Another replica waiting for the lock then reads
// the new revision and uses the winner's tokens. A lock wait is bounded by
// lock_timeout (then store_errc::unavailable).

#include "proxy/users/stored_tokens.hpp"
#include "proxy/users/token_cipher.hpp"
#include "proxy/users/user_locks.hpp"
#include "proxy/users/user_store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace litmus::users {

struct postgres_store_options {
    /// users.store as written: a libpq connection URI (may hold a password).
    std::string uri;
    /// Used when `uri` sets no connect_timeout.
    std::chrono::seconds connect_timeout{5};
    /// How long a refresh waits for another replica's lock on the same user
    /// (PostgreSQL lock_timeout) before failing with unavailable.
    std::chrono::milliseconds lock_timeout{30'000};
    /// After a failed connection attempt, this connection's operations fail
    /// with unavailable at once for this long instead of each trying again:
    /// requests queued behind a server that does not answer (each attempt
    /// takes up to connect_timeout) all fail fast.
    std::chrono::milliseconds reconnect_delay{1'000};
    /// The clock of reconnect_delay, injectable for tests.
    std::function<std::chrono::steady_clock::time_point()> steady_now = [] {
        return std::chrono::steady_clock::now();
    };
    /// Idle refresh connections kept for reuse.
    std::size_t idle_refresh_connections = 4;
    wall_clock now = system_wall_seconds;  ///< stamps updated_at
};

/// postgres://USER@HOST:PORT/DBNAME for `uri` (no password, no options), for
/// logs; "postgres://(unparsable URL)" when libpq cannot parse it.
std::string describe_postgres_uri(const std::string& uri);

/// Thread-safe (see user_store). Connects to nothing in the constructor, but
/// loads libpq there (see libpq.hpp): without it, it throws, and the proxy
/// does not start.
class postgres_user_store final : public user_store {
public:
    postgres_user_store(postgres_store_options options, std::shared_ptr<const token_cipher> cipher);
    ~postgres_user_store() override;

    net::awaitable<store_result<std::optional<user_record>>> get(std::string user) override;
    net::awaitable<store_result<user_record>> put(user_record record) override;
    net::awaitable<store_result<bool>> erase(std::string user) override;
    net::awaitable<store_result<bool>> mark_reauthorization_required(std::string user) override;
    net::awaitable<store_result<refresh_outcome>> refresh_locked(std::string user, std::uint64_t seen_revision,
                                                                 refresh_fn refresh) override;

    /// The schema version this build writes (table litmus_proxy.schema_version).
    static constexpr int schema_version = 1;

private:
    class connection;  ///< one libpq connection; used on its session's worker thread only
    struct session;    ///< a connection and the worker thread it is used on
    class lease;       ///< a session taken for one refresh, given back after it

    std::unique_ptr<session> take_session();
    void give_back(std::unique_ptr<session> s);

    std::shared_ptr<const postgres_store_options> options_;
    std::shared_ptr<const token_cipher> cipher_;
    user_locks locks_;
    std::unique_ptr<session> main_;  ///< get, put, erase, mark
    std::mutex idle_mutex_;
    std::vector<std::unique_ptr<session>> idle_;  ///< refresh sessions not in use
};

}  // namespace litmus::users

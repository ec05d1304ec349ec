#include "proxy/users/sqlite_user_store.hpp"

#include "proxy/core/log.hpp"

#include <sqlite3.h>

#include <boost/asio/this_coro.hpp>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace litmus::users {

namespace {

using statement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

// Why a step of the store failed, for the log line.
struct store_failure {
    std::string reason;
};

constexpr const char* schema_sql = R"sql(
CREATE TABLE users (
    user_key                 TEXT    NOT NULL PRIMARY KEY,
    litmus_user_id           TEXT    NOT NULL,
    full_name                TEXT    NOT NULL,
    access_token             BLOB    NOT NULL,
    access_expires_at        INTEGER NOT NULL,
    refresh_token            BLOB    NOT NULL,
    reauthorization_required INTEGER NOT NULL,
    revision                 INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO schema_version (version) VALUES (1);
)sql";

constexpr const char* select_sql =
    "SELECT litmus_user_id, full_name, access_token, access_expires_at, refresh_token, "
    "reauthorization_required, revision, updated_at FROM users WHERE user_key = ?1";

// ?1 user, ?2 id, ?3 name, ?4 access, ?5 expires, ?6 refresh, ?7 reauth, ?8 now.
constexpr const char* upsert_sql =
    "INSERT INTO users (user_key, litmus_user_id, full_name, access_token, access_expires_at, refresh_token, "
    "reauthorization_required, revision, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8) "
    "ON CONFLICT (user_key) DO UPDATE SET litmus_user_id = excluded.litmus_user_id, "
    "full_name = excluded.full_name, access_token = excluded.access_token, "
    "access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token, "
    "reauthorization_required = excluded.reauthorization_required, revision = users.revision + 1, "
    "updated_at = excluded.updated_at RETURNING revision";

// As upsert_sql, only when the row still has revision ?9.
constexpr const char* update_if_revision_sql =
    "UPDATE users SET litmus_user_id = ?2, full_name = ?3, access_token = ?4, access_expires_at = ?5, "
    "refresh_token = ?6, reauthorization_required = ?7, revision = revision + 1, updated_at = ?8 "
    "WHERE user_key = ?1 AND revision = ?9 RETURNING revision";

constexpr const char* delete_sql = "DELETE FROM users WHERE user_key = ?1";

constexpr const char* mark_sql =
    "UPDATE users SET reauthorization_required = 1, revision = revision + 1, updated_at = ?2 WHERE user_key = ?1";

std::string column_text(sqlite3_stmt* s, int i)
{
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

std::string column_blob(sqlite3_stmt* s, int i)
{
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

}  // namespace

/// The connection, its prepared statements and the cipher. Used on the
/// worker thread only, so it needs no locking.
class sqlite_user_store::database {
public:
    database(sqlite_store_options options, std::shared_ptr<const token_cipher> cipher)
        : options_(std::move(options)), cipher_(std::move(cipher))
    {
    }
    ~database() { close(); }

    store_result<std::optional<user_record>> get(const std::string& user)
    {
        return guarded("get", [&]() -> store_result<std::optional<user_record>> {
            auto* s = prepared(select_);
            bind_text(s, 1, user);
            int rc = sqlite3_step(s);
            if (rc == SQLITE_DONE)
                return std::optional<user_record>();
            check_row(rc);
            return read_row(s, user);
        });
    }

    store_result<user_record> put(user_record r)
    {
        return guarded("put", [&]() -> store_result<user_record> {
            auto* s = prepared(upsert_);
            bind_record(s, r);
            check_row(sqlite3_step(s));
            r.revision = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
            r.read_under_old_key = false;
            return r;
        });
    }

    /// nullopt: the row no longer has revision `expected` (or is gone).
    store_result<std::optional<user_record>> put_if_revision(user_record r, std::uint64_t expected)
    {
        return guarded("put", [&]() -> store_result<std::optional<user_record>> {
            auto* s = prepared(update_if_revision_);
            bind_record(s, r);
            check(sqlite3_bind_int64(s, 9, static_cast<sqlite3_int64>(expected)));
            int rc = sqlite3_step(s);
            if (rc == SQLITE_DONE)
                return std::optional<user_record>();
            check_row(rc);
            r.revision = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
            r.read_under_old_key = false;
            return std::optional<user_record>(std::move(r));
        });
    }

    store_result<bool> erase(const std::string& user)
    {
        return guarded("erase", [&]() -> store_result<bool> {
            auto* s = prepared(delete_);
            bind_text(s, 1, user);
            check_done(sqlite3_step(s));
            return sqlite3_changes(db_) > 0;
        });
    }

    store_result<bool> mark_reauthorization_required(const std::string& user)
    {
        return guarded("mark_reauthorization_required", [&]() -> store_result<bool> {
            auto* s = prepared(mark_);
            bind_text(s, 1, user);
            check(sqlite3_bind_int64(s, 2, options_.now()));
            check_done(sqlite3_step(s));
            return sqlite3_changes(db_) > 0;
        });
    }

private:
    // Opens the connection if needed, runs `op`, resets the statement it
    // used. A store_failure (thrown by the helpers below) closes the
    // connection, so the next operation opens it afresh, and becomes
    // store_errc::unavailable; the first failure after a success is logged.
    template <class Op>
    auto guarded(std::string_view what, Op op) -> decltype(op())
    {
        try {
            if (!db_)
                open();
            auto result = op();
            reset_used();
            if (unavailable_logged_) {
                unavailable_logged_ = false;
                log::info("user_store_available", {{"path", options_.path}});
            }
            return result;
        } catch (const store_failure& f) {
            close();
            if (!unavailable_logged_) {
                unavailable_logged_ = true;
                log::warn("user_store_unavailable",
                          {{"path", options_.path}, {"operation", what}, {"reason", f.reason}});
            }
            // In place: a result<bool> is not built from an error_code implicitly.
            return decltype(op())(boost::system::in_place_error, make_error_code(store_errc::unavailable));
        } catch (...) {
            close();  // a statement may be mid-step; start from a clean connection
            throw;    // store_worker logs it and answers store_unavailable
        }
    }

    [[noreturn]] void fail(std::string reason) const
    {
        throw store_failure{std::move(reason)};
    }

    void check(int rc) const
    {
        if (rc != SQLITE_OK)
            fail(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    }
    void check_row(int rc) const
    {
        if (rc != SQLITE_ROW)
            fail(sqlite3_errmsg(db_));
    }
    void check_done(int rc) const
    {
        if (rc != SQLITE_DONE)
            fail(sqlite3_errmsg(db_));
    }

    // Creates the file with mode 0600 before SQLite sees it (SQLite would
    // create it 0644 less the umask), and refuses one that others can read:
    // the tokens are encrypted, but the user list and names are not.
    void create_private_file() const
    {
        const auto& path = options_.path;
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            fail("cannot open or create " + path + ": " + std::generic_category().message(errno));
        struct stat st {};
        int rc = ::fstat(fd, &st);
        int err = errno;
        ::close(fd);
        if (rc != 0)
            fail("cannot stat " + path + ": " + std::generic_category().message(err));
        if (!S_ISREG(st.st_mode))
            fail(path + " is not a regular file");
        if ((st.st_mode & 077) != 0) {
            char mode[8];
            std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
            fail(path + " has mode " + mode + ": group or others may access it; run chmod 600 " + path);
        }
    }

    void exec(const char* sql) const
    {
        char* message = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
            std::string reason = message ? message : sqlite3_errmsg(db_);
            sqlite3_free(message);
            fail(reason);
        }
    }

    // The journal mode WAL; the schema created when the file is new, in one
    // transaction, and its version checked when it is not.
    void open()
    {
        create_private_file();
        int rc = sqlite3_open_v2(options_.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr);
        if (rc != SQLITE_OK)
            fail(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        check(sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count())));
        check(sqlite3_extended_result_codes(db_, 1));
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = FULL");
        exec("BEGIN IMMEDIATE");
        exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        int version = read_schema_version();
        if (version == 0)
            exec(schema_sql);
        exec("COMMIT");
        if (version > schema_version)
            fail(options_.path + " has schema version " + std::to_string(version) + "; this build knows version " +
                 std::to_string(schema_version) + " (a newer litmus-proxy wrote it)");
        select_ = prepare(select_sql);
        upsert_ = prepare(upsert_sql);
        update_if_revision_ = prepare(update_if_revision_sql);
        delete_ = prepare(delete_sql);
        mark_ = prepare(mark_sql);
        log::debug("user_store_opened", {{"path", options_.path}});
    }

    int read_schema_version()
    {
        auto s = prepare("SELECT MAX(version) FROM schema_version");
        check_row(sqlite3_step(s.get()));
        return sqlite3_column_int(s.get(), 0);
    }

    statement prepare(const char* sql) const
    {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
            fail(sqlite3_errmsg(db_));
        return statement(s, &sqlite3_finalize);
    }

    void close()
    {
        for (auto* s : {&select_, &upsert_, &update_if_revision_, &delete_, &mark_})
            s->reset();
        used_ = nullptr;
        if (db_) {
            sqlite3_close_v2(db_);
            db_ = nullptr;
        }
    }

    sqlite3_stmt* prepared(statement& s)
    {
        used_ = s.get();
        return used_;
    }

    // Bound tokens (ciphertext) are not kept past the statement's use.
    void reset_used()
    {
        if (used_) {
            sqlite3_reset(used_);
            sqlite3_clear_bindings(used_);
            used_ = nullptr;
        }
    }

    void bind_text(sqlite3_stmt* s, int i, const std::string& text) const
    {
        check(sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    }

    void bind_blob(sqlite3_stmt* s, int i, const std::string& blob) const
    {
        check(sqlite3_bind_blob(s, i, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT));
    }

    void bind_record(sqlite3_stmt* s, user_record& r) const
    {
        r.updated_at = options_.now();
        bind_text(s, 1, r.user);
        bind_text(s, 2, r.litmus_user_id);
        bind_text(s, 3, r.full_name);
        auto sealed = seal_tokens(*cipher_, r);
        bind_blob(s, 4, sealed.access);
        check(sqlite3_bind_int64(s, 5, r.access_expires_at));
        bind_blob(s, 6, sealed.refresh);
        check(sqlite3_bind_int(s, 7, r.reauthorization_required ? 1 : 0));
        check(sqlite3_bind_int64(s, 8, r.updated_at));
    }

    store_result<std::optional<user_record>> read_row(sqlite3_stmt* s, const std::string& user) const
    {
        user_record r;
        r.user = user;
        r.litmus_user_id = column_text(s, 0);
        r.full_name = column_text(s, 1);
        r.access_expires_at = sqlite3_column_int64(s, 3);
        r.reauthorization_required = sqlite3_column_int(s, 5) != 0;
        r.revision = static_cast<std::uint64_t>(sqlite3_column_int64(s, 6));
        r.updated_at = sqlite3_column_int64(s, 7);
        return open_tokens(*cipher_, std::move(r), column_blob(s, 2), column_blob(s, 4), "sqlite:" + options_.path);
    }

    sqlite_store_options options_;
    std::shared_ptr<const token_cipher> cipher_;
    sqlite3* db_ = nullptr;
    statement select_{nullptr, &sqlite3_finalize};
    statement upsert_{nullptr, &sqlite3_finalize};
    statement update_if_revision_{nullptr, &sqlite3_finalize};
    statement delete_{nullptr, &sqlite3_finalize};
    statement mark_{nullptr, &sqlite3_finalize};
    sqlite3_stmt* used_ = nullptr;  ///< the statement to reset after the current operation
    bool unavailable_logged_ = false;
};

sqlite_user_store::sqlite_user_store(sqlite_store_options options, std::shared_ptr<const token_cipher> cipher)
    : db_(std::make_unique<database>(std::move(options), std::move(cipher)))
{
}

sqlite_user_store::~sqlite_user_store() = default;

net::awaitable<store_result<std::optional<user_record>>> sqlite_user_store::get(std::string user)
{
    // The functions capture by reference: this frame outlives the call.
    co_return co_await worker_.run([this, &user] { return db_->get(user); });
}

net::awaitable<store_result<user_record>> sqlite_user_store::put(user_record record)
{
    auto stored = co_await worker_.run([this, &record] { return db_->put(record); });
    cleanse(record.access_token);
    cleanse(record.refresh_token);
    co_return stored;
}

net::awaitable<store_result<bool>> sqlite_user_store::erase(std::string user)
{
    co_return co_await worker_.run([this, &user] { return db_->erase(user); });
}

net::awaitable<store_result<bool>> sqlite_user_store::mark_reauthorization_required(std::string user)
{
    co_return co_await worker_.run([this, &user] { return db_->mark_reauthorization_required(user); });
}

net::awaitable<store_result<refresh_outcome>> sqlite_user_store::refresh_locked(std::string user,
                                                                               std::uint64_t seen_revision,
                                                                               refresh_fn refresh)
{
    auto held = co_await locks_.lock(user);
    if (!held)
        co_return make_error_code(store_errc::cancelled);
    auto current = co_await get(user);
    if (!current)
        co_return current.error();
    if (!*current || (*current)->revision != seen_revision || (*current)->reauthorization_required)
        co_return refresh_outcome{std::move(*current), false};
    auto expected = (*current)->revision;
    auto next = co_await refresh(std::move(**current));
    if (!next)
        co_return next.error();
    next->user = user;
    auto written = co_await worker_.run(
        [this, &next, expected] { return db_->put_if_revision(*next, expected); });
    if (!written)
        co_return written.error();
    if (*written)
        co_return refresh_outcome{std::move(*written), true};
    // Another writer (a new authorization through put()) moved the row while
    // the refresh ran: theirs stands.
    auto now = co_await get(user);
    if (!now)
        co_return now.error();
    co_return refresh_outcome{std::move(*now), false};
}

}  // namespace litmus::users

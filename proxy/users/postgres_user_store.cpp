#include "proxy/users/postgres_user_store.hpp"

#include "proxy/core/log.hpp"
#include "proxy/users/libpq.hpp"
#include "proxy/users/store_worker.hpp"

#include <array>
#include <utility>

namespace litmus::users {

namespace {

// Why a step of the store failed, for the log line.
struct store_failure {
    std::string reason;
};

using result_ptr = std::unique_ptr<PGresult, decltype(&::PQclear)>;

// Tables in a schema of their own: the database may be the application's,
// with a `users` table of its own.
constexpr const char* schema_sql = R"sql(
CREATE TABLE litmus_proxy.users (
    user_key                 TEXT    NOT NULL PRIMARY KEY,
    litmus_user_id           TEXT    NOT NULL,
    full_name                TEXT    NOT NULL,
    access_token             BYTEA   NOT NULL,
    access_expires_at        BIGINT  NOT NULL,
    refresh_token            BYTEA   NOT NULL,
    reauthorization_required BOOLEAN NOT NULL,
    revision                 BIGINT  NOT NULL,
    updated_at               BIGINT  NOT NULL
);
INSERT INTO litmus_proxy.schema_version (version) VALUES (1);
)sql";

// Replicas that connect at once serialise their schema creation on this
// lock (CREATE ... IF NOT EXISTS alone can still fail on a concurrent create).
constexpr const char* schema_lock_sql =
    "SELECT pg_advisory_xact_lock(hashtextextended('litmus-proxy user store schema', 0))";

// Two users' keys may hash alike: their refreshes then merely take turns.
constexpr const char* user_lock_sql =
    "SELECT pg_advisory_xact_lock(hashtextextended('litmus-proxy user ' || $1::text, 0))";

constexpr const char* select_sql =
    "SELECT litmus_user_id, full_name, access_token, access_expires_at, refresh_token, "
    "reauthorization_required, revision, updated_at FROM litmus_proxy.users WHERE user_key = $1";

// $1 user, $2 id, $3 name, $4 access, $5 expires, $6 refresh, $7 reauth, $8 now.
constexpr const char* upsert_sql =
    "INSERT INTO litmus_proxy.users AS u (user_key, litmus_user_id, full_name, access_token, access_expires_at, "
    "refresh_token, reauthorization_required, revision, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) "
    "ON CONFLICT (user_key) DO UPDATE SET litmus_user_id = excluded.litmus_user_id, "
    "full_name = excluded.full_name, access_token = excluded.access_token, "
    "access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token, "
    "reauthorization_required = excluded.reauthorization_required, revision = u.revision + 1, "
    "updated_at = excluded.updated_at RETURNING revision";

// As upsert_sql, only when the row still has revision $9.
constexpr const char* update_if_revision_sql =
    "UPDATE litmus_proxy.users SET litmus_user_id = $2, full_name = $3, access_token = $4, access_expires_at = $5, "
    "refresh_token = $6, reauthorization_required = $7, revision = revision + 1, updated_at = $8 "
    "WHERE user_key = $1 AND revision = $9 RETURNING revision";

constexpr const char* delete_sql = "DELETE FROM litmus_proxy.users WHERE user_key = $1";

constexpr const char* mark_sql =
    "UPDATE litmus_proxy.users SET reauthorization_required = true, revision = revision + 1, updated_at = $2 "
    "WHERE user_key = $1";

// One statement parameter: text, or binary (bytea: the bytes as they are).
struct param {
    std::string value;
    bool binary = false;
};

std::string text_of(const PGresult* r, int column)
{
    const auto& pq = libpq();
    return std::string(pq.PQgetvalue(r, 0, column), static_cast<std::size_t>(pq.PQgetlength(r, 0, column)));
}

std::int64_t integer_of(const PGresult* r, int column)
{
    return std::stoll(text_of(r, column));
}

}  // namespace

std::string describe_postgres_uri(const std::string& uri)
{
    char* error = nullptr;
    PQconninfoOption* options = libpq().PQconninfoParse(uri.c_str(), &error);
    libpq().PQfreemem(error);  // may quote the URL: never shown
    if (!options)
        return "postgres://(unparsable URL)";
    std::string user, host, port, dbname;
    for (auto* o = options; o->keyword; ++o) {
        if (!o->val)
            continue;
        std::string_view k = o->keyword;
        if (k == "user")
            user = o->val;
        else if (k == "host" || (k == "hostaddr" && host.empty()))
            host = o->val;
        else if (k == "port")
            port = o->val;
        else if (k == "dbname")
            dbname = o->val;
    }
    libpq().PQconninfoFree(options);
    std::string out = "postgres://";
    if (!user.empty())
        out += user + "@";
    out += host;
    if (!port.empty())
        out += ":" + port;
    return out + "/" + dbname;
}

/// One libpq connection, with the store's operations as blocking calls. Used
/// on one worker thread at a time, so it needs no locking.
class postgres_user_store::connection {
public:
    connection(std::shared_ptr<const postgres_store_options> options, std::shared_ptr<const token_cipher> cipher)
        : options_(std::move(options)), cipher_(std::move(cipher)), name_(describe_postgres_uri(options_->uri))
    {
    }
    ~connection() { close(); }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    store_result<std::optional<user_record>> get(const std::string& user)
    {
        return guarded("get", retry::on_lost_connection, [&] { return read(user); });
    }

    store_result<user_record> put(user_record r)
    {
        return guarded("put", retry::on_lost_connection, [&]() -> store_result<user_record> {
            auto res = exec(upsert_sql, record_params(r), PGRES_TUPLES_OK);
            r.revision = static_cast<std::uint64_t>(integer_of(res.get(), 0));
            r.read_under_old_key = false;
            return r;
        });
    }

    store_result<bool> erase(const std::string& user)
    {
        return guarded("erase", retry::on_lost_connection, [&]() -> store_result<bool> {
            auto res = exec(delete_sql, {{user}}, PGRES_COMMAND_OK);
            return affected(res.get()) > 0;
        });
    }

    store_result<bool> mark_reauthorization_required(const std::string& user)
    {
        return guarded("mark_reauthorization_required", retry::on_lost_connection, [&]() -> store_result<bool> {
            auto res = exec(mark_sql, {{user}, {std::to_string(options_->now())}}, PGRES_COMMAND_OK);
            return affected(res.get()) > 0;
        });
    }

    /// The first half of refresh_locked(): BEGIN, the user's advisory lock,
    /// the row re-read. When there is nothing to refresh (no row, another
    /// revision, reauthorization required, or the row does not decrypt) the
    /// transaction is ended here and `proceed` is false; otherwise it stays
    /// open, the lock held, until write_and_commit() or rollback().
    struct locked_read {
        std::optional<user_record> record;
        bool proceed = false;
    };
    store_result<locked_read> lock_and_read(const std::string& user, std::uint64_t seen_revision)
    {
        // Retrying is safe: nothing is written before the lock is taken.
        return guarded("refresh_lock", retry::on_lost_connection, [&]() -> store_result<locked_read> {
            run("BEGIN");
            in_transaction_ = true;
            exec(user_lock_sql, {{user}}, PGRES_TUPLES_OK);
            auto current = read(user);
            bool proceed = current && *current && (*current)->revision == seen_revision &&
                           !(*current)->reauthorization_required;
            if (!proceed)
                end_transaction("COMMIT");
            if (!current)
                return current.error();
            return locked_read{std::move(*current), proceed};
        });
    }

    /// The second half: the refreshed row written if the row still has
    /// revision `expected` (a put() does not wait for the lock), COMMIT, and
    /// the row as it is now.
    store_result<refresh_outcome> write_and_commit(user_record r, std::uint64_t expected)
    {
        // Retried on a new connection when this one was lost: the refresh
        // token has been spent, so its successor must be kept if at all
        // possible. The lock went with the connection, but the write is
        // still a compare-and-set on the revision, so it never overwrites
        // what another writer stored meanwhile.
        return guarded("refresh_write", retry::on_lost_connection, [&]() -> store_result<refresh_outcome> {
            auto params = record_params(r);
            params.push_back({std::to_string(expected)});
            auto res = exec(update_if_revision_sql, params, PGRES_TUPLES_OK);
            if (libpq().PQntuples(res.get()) == 1) {
                commit_if_open();
                r.revision = static_cast<std::uint64_t>(integer_of(res.get(), 0));
                r.read_under_old_key = false;
                return refresh_outcome{std::move(r), true};
            }
            // A new authorization (put) moved the row while the refresh ran:
            // theirs stands.
            auto now = read(r.user);
            commit_if_open();
            if (!now)
                return now.error();
            return refresh_outcome{std::move(*now), false};
        });
    }

    /// Ends the transaction without writing (the refresh function failed).
    store_result<bool> rollback()
    {
        return guarded("refresh_rollback", retry::never, [&]() -> store_result<bool> {
            end_transaction("ROLLBACK");
            return true;
        });
    }

    bool in_transaction() const noexcept { return in_transaction_; }

    /// Closes the connection; the server ends its transaction and releases
    /// its locks.
    void close()
    {
        if (conn_) {
            libpq().PQfinish(conn_);
            conn_ = nullptr;
        }
        in_transaction_ = false;
    }

private:
    enum class retry { never, on_lost_connection };

    // Connects if needed, runs `op`. A store_failure (thrown by the helpers
    // below) closes the connection, so the next operation connects afresh
    // (after a failed connection attempt, once reconnect_delay has passed),
    // and becomes store_errc::unavailable; the first failure after a success
    // is logged. When the connection was reused and turns out to be lost
    // (the server restarted or ended it), `op` is retried once on a new one
    // if `r` allows.
    template <class Op>
    auto guarded(std::string_view what, retry r, Op op) -> decltype(op())
    {
        using result_type = decltype(op());
        // In place: a result<bool> is not built from an error_code implicitly.
        auto unavailable = [] {
            return result_type(boost::system::in_place_error, make_error_code(store_errc::unavailable));
        };
        for (int attempt = 0;; ++attempt) {
            bool reused = conn_ != nullptr;
            bool connecting = false;
            try {
                if (!conn_) {
                    if (options_->steady_now() < next_connect_)
                        return unavailable();  // a connection failed just now (logged then)
                    connecting = true;
                    open();
                    connecting = false;
                }
                auto result = op();
                if (unavailable_logged_) {
                    unavailable_logged_ = false;
                    log::info("user_store_available", {{"store", name_}});
                }
                return result;
            } catch (const store_failure& f) {
                bool lost = reused && conn_ && libpq().PQstatus(conn_) == CONNECTION_BAD;
                close();
                if (connecting)
                    next_connect_ = options_->steady_now() + options_->reconnect_delay;
                if (lost && r == retry::on_lost_connection && attempt == 0) {
                    log::info("user_store_reconnecting", {{"store", name_}, {"operation", what}});
                    continue;
                }
                if (!unavailable_logged_) {
                    unavailable_logged_ = true;
                    log::warn("user_store_unavailable", {{"store", name_}, {"operation", what}, {"reason", f.reason}});
                }
                return unavailable();
            } catch (...) {
                close();  // mid-transaction or mid-result: start from a clean connection
                throw;    // store_worker logs it and answers store_unavailable
            }
        }
    }

    [[noreturn]] void fail(std::string reason) const { throw store_failure{std::move(reason)}; }

    std::string error_message() const
    {
        std::string m = conn_ ? libpq().PQerrorMessage(conn_) : "no connection";
        while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
            m.pop_back();
        return m;
    }

    // The URL as libpq reads it, preceded by the defaults it may override
    // (later keywords win, and the URL expands in place of dbname). Besides
    // the connect timeout, a server that vanishes without closing the
    // connection (host down, network cut) fails a query within seconds
    // instead of TCP's minutes: unacknowledged data for 10 s
    // (tcp_user_timeout), or an idle connection's keepalives unanswered for
    // 10 + 3 x 5 s.
    void open()
    {
        std::string timeout = std::to_string(options_->connect_timeout.count());
        const std::array<const char*, 8> keywords{"connect_timeout",    "tcp_user_timeout", "keepalives_idle",
                                                  "keepalives_interval", "keepalives_count", "fallback_application_name",
                                                  "dbname",             nullptr};
        const std::array<const char*, 8> values{timeout.c_str(), "10000", "10", "5", "3", "litmus-proxy",
                                                options_->uri.c_str(), nullptr};
        conn_ = libpq().PQconnectdbParams(keywords.data(), values.data(), 1);
        if (!conn_)
            fail("out of memory");
        if (libpq().PQstatus(conn_) != CONNECTION_OK)
            fail(error_message());
        // libpq prints the server's notices ("schema ... already exists,
        // skipping") on stderr, which holds the JSON log: they say nothing
        // the store needs.
        libpq().PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
        run("SET lock_timeout = " + std::to_string(options_->lock_timeout.count()));
        create_schema();
        log::debug("user_store_opened", {{"store", name_}});
    }

    // The schema created when the database has none, in one transaction, and
    // its version checked when it has one.
    void create_schema()
    {
        run("BEGIN");
        in_transaction_ = true;
        run(schema_lock_sql);
        run("CREATE SCHEMA IF NOT EXISTS litmus_proxy");
        run("CREATE TABLE IF NOT EXISTS litmus_proxy.schema_version (version INTEGER NOT NULL)");
        auto res = exec("SELECT COALESCE(MAX(version), 0) FROM litmus_proxy.schema_version", {}, PGRES_TUPLES_OK);
        auto version = integer_of(res.get(), 0);
        if (version == 0)
            run(schema_sql);
        end_transaction("COMMIT");
        if (version > schema_version)
            fail(name_ + " has schema version " + std::to_string(version) + "; this build knows version " +
                 std::to_string(schema_version) + " (a newer litmus-proxy wrote it)");
    }

    void commit_if_open()
    {
        if (in_transaction_)
            end_transaction("COMMIT");
    }

    void end_transaction(const char* sql)
    {
        in_transaction_ = false;  // on failure the connection is closed, which ends it too
        run(sql);
    }

    // A statement without parameters or rows of interest (may be several).
    void run(const std::string& sql)
    {
        result_ptr res(libpq().PQexec(conn_, sql.c_str()), libpq().PQclear);
        auto status = res ? libpq().PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            fail(error_message());
    }

    result_ptr exec(const char* sql, const std::vector<param>& params, ExecStatusType expected)
    {
        std::vector<const char*> values;
        std::vector<int> lengths, formats;
        for (const auto& p : params) {
            values.push_back(p.value.data());
            lengths.push_back(static_cast<int>(p.value.size()));
            formats.push_back(p.binary ? 1 : 0);
        }
        result_ptr res(libpq().PQexecParams(conn_, sql, static_cast<int>(params.size()), nullptr, values.data(),
                                            lengths.data(), formats.data(), 0),
                       libpq().PQclear);
        if (!res || libpq().PQresultStatus(res.get()) != expected)
            fail(error_message());
        return res;
    }

    static long affected(const PGresult* r) { return std::stol(libpq().PQcmdTuples(const_cast<PGresult*>(r))); }

    std::vector<param> record_params(user_record& r) const
    {
        r.updated_at = options_->now();
        auto sealed = seal_tokens(*cipher_, r);
        return {{r.user},
                {r.litmus_user_id},
                {r.full_name},
                {std::move(sealed.access), true},
                {std::to_string(r.access_expires_at)},
                {std::move(sealed.refresh), true},
                {r.reauthorization_required ? "true" : "false"},
                {std::to_string(r.updated_at)}};
    }

    std::string bytea_of(const PGresult* r, int column) const
    {
        std::size_t length = 0;
        const auto* escaped = reinterpret_cast<const unsigned char*>(libpq().PQgetvalue(r, 0, column));
        auto* bytes = libpq().PQunescapeBytea(escaped, &length);
        if (!bytes)
            fail("out of memory");
        std::string out(reinterpret_cast<const char*>(bytes), length);
        libpq().PQfreemem(bytes);
        return out;
    }

    store_result<std::optional<user_record>> read(const std::string& user)
    {
        auto res = exec(select_sql, {{user}}, PGRES_TUPLES_OK);
        const auto* s = res.get();
        if (libpq().PQntuples(s) == 0)
            return std::optional<user_record>();
        user_record r;
        r.user = user;
        r.litmus_user_id = text_of(s, 0);
        r.full_name = text_of(s, 1);
        r.access_expires_at = integer_of(s, 3);
        r.reauthorization_required = text_of(s, 5) == "t";
        r.revision = static_cast<std::uint64_t>(integer_of(s, 6));
        r.updated_at = integer_of(s, 7);
        return open_tokens(*cipher_, std::move(r), bytea_of(s, 2), bytea_of(s, 4), name_);
    }

    std::shared_ptr<const postgres_store_options> options_;
    std::shared_ptr<const token_cipher> cipher_;
    std::string name_;  ///< the store for logs, without the password
    PGconn* conn_ = nullptr;
    bool in_transaction_ = false;
    bool unavailable_logged_ = false;
    /// Before this, no new connection is attempted (see reconnect_delay).
    std::chrono::steady_clock::time_point next_connect_ = std::chrono::steady_clock::time_point::min();
};

struct postgres_user_store::session {
    session(std::shared_ptr<const postgres_store_options> options, std::shared_ptr<const token_cipher> cipher)
        : db(std::move(options), std::move(cipher))
    {
    }
    connection db;
    store_worker worker;  ///< last: joined before db is destroyed
};

/// A refresh session taken from the store, given back when the refresh is
/// over. Destroyed with its transaction still open (the awaiting coroutine
/// was destroyed while the refresh function ran, so the worker is idle), it
/// closes the connection: the server then releases the lock.
class postgres_user_store::lease {
public:
    explicit lease(postgres_user_store& store) : store_(store), session_(store.take_session()) {}
    ~lease()
    {
        if (session_->db.in_transaction())
            session_->db.close();
        store_.give_back(std::move(session_));
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;

    session* operator->() const noexcept { return session_.get(); }

private:
    postgres_user_store& store_;
    std::unique_ptr<session> session_;
};

postgres_user_store::postgres_user_store(postgres_store_options options, std::shared_ptr<const token_cipher> cipher)
    : options_(std::make_shared<const postgres_store_options>(std::move(options))),
      cipher_(std::move(cipher)),
      main_(std::make_unique<session>(options_, cipher_))
{
}

postgres_user_store::~postgres_user_store() = default;

std::unique_ptr<postgres_user_store::session> postgres_user_store::take_session()
{
    {
        std::lock_guard lock(idle_mutex_);
        if (!idle_.empty()) {
            auto s = std::move(idle_.back());
            idle_.pop_back();
            return s;
        }
    }
    return std::make_unique<session>(options_, cipher_);
}

void postgres_user_store::give_back(std::unique_ptr<session> s)
{
    std::unique_lock lock(idle_mutex_);
    if (idle_.size() < options_->idle_refresh_connections) {
        idle_.push_back(std::move(s));
        return;
    }
    lock.unlock();
    s.reset();  // its worker is idle: joins at once
}

net::awaitable<store_result<std::optional<user_record>>> postgres_user_store::get(std::string user)
{
    // The functions capture by reference: this frame outlives the call.
    co_return co_await main_->worker.run([this, &user] { return main_->db.get(user); });
}

net::awaitable<store_result<user_record>> postgres_user_store::put(user_record record)
{
    auto stored = co_await main_->worker.run([this, &record] { return main_->db.put(record); });
    cleanse(record.access_token);
    cleanse(record.refresh_token);
    co_return stored;
}

net::awaitable<store_result<bool>> postgres_user_store::erase(std::string user)
{
    co_return co_await main_->worker.run([this, &user] { return main_->db.erase(user); });
}

net::awaitable<store_result<bool>> postgres_user_store::mark_reauthorization_required(std::string user)
{
    co_return co_await main_->worker.run([this, &user] { return main_->db.mark_reauthorization_required(user); });
}

net::awaitable<store_result<refresh_outcome>> postgres_user_store::refresh_locked(std::string user,
                                                                                 std::uint64_t seen_revision,
                                                                                 refresh_fn refresh)
{
    // One transaction per user per process: the others of this process wait
    // here, without holding a connection, and then see the new revision.
    auto held = co_await locks_.lock(user);
    if (!held)
        co_return make_error_code(store_errc::cancelled);
    lease s(*this);
    auto current = co_await s->worker.run([&] { return s->db.lock_and_read(user, seen_revision); });
    if (!current)
        co_return current.error();
    if (!current->proceed)
        co_return refresh_outcome{std::move(current->record), false};
    auto expected = current->record->revision;
    auto next = co_await refresh(std::move(*current->record));
    if (!next) {
        co_await s->worker.run([&] { return s->db.rollback(); });
        co_return next.error();
    }
    next->user = user;
    auto written = co_await s->worker.run([&] { return s->db.write_and_commit(std::move(*next), expected); });
    co_return written;
}

}  // namespace litmus::users

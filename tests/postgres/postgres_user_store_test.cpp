// The PostgreSQL user store against a real server that
// tests/support/with_postgres.sh started for this run (its URL in
// LITMUS_TEST_POSTGRES_URI): the operations, the schema created on first
// use, persistence across stores and lost connections, tokens never stored
// in clear, key rotation, the refresh single flight between two stores (two
// replicas' connections), and a database that is down reported as
// unavailable. The checks every store passes are store_contract's.

#include "proxy/users/postgres_user_store.hpp"

#include "proxy/core/error.hpp"

#include "tests/unit/users/store_contract.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>

namespace litmus::users {

namespace {

using namespace store_contract;

std::string test_uri()
{
    const char* uri = std::getenv("LITMUS_TEST_POSTGRES_URI");
    BOOST_TEST_REQUIRE(uri != nullptr, "run through tests/support/with_postgres.sh (ctest users.postgres)");
    return uri;
}

/// The test's own connection, for what the store does not expose: the raw
/// table, and ending the store's connections as a server restart would.
class raw_connection {
public:
    explicit raw_connection(const std::string& uri) : conn_(PQconnectdb(uri.c_str()), &PQfinish)
    {
        BOOST_TEST_REQUIRE((PQstatus(conn_.get()) == CONNECTION_OK), PQerrorMessage(conn_.get()));
        PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);  // DROP ... CASCADE notices
    }

    /// The rows of `sql` (text format), one string per column.
    std::vector<std::vector<std::string>> query(const std::string& sql)
    {
        std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn_.get(), sql.c_str()), &PQclear);
        auto status = PQresultStatus(res.get());
        BOOST_TEST_REQUIRE((status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK), PQerrorMessage(conn_.get()));
        std::vector<std::vector<std::string>> rows;
        for (int r = 0; r < PQntuples(res.get()); ++r) {
            auto& row = rows.emplace_back();
            for (int c = 0; c < PQnfields(res.get()); ++c)
                row.emplace_back(PQgetvalue(res.get(), r, c));
        }
        return rows;
    }

private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// Every test starts from a database without the store's schema, so each
// also checks that the first operation creates it.
struct store_fixture {
    std::string uri = test_uri();
    raw_connection raw{uri};
    net::io_context ctx;
    std::int64_t clock = 1'700'000'000;
    std::chrono::steady_clock::time_point steady{};  ///< the stores' clock for reconnect_delay

    store_fixture()
    {
        raw.query("DROP SCHEMA IF EXISTS litmus_proxy CASCADE");
        raw.query("DROP DATABASE IF EXISTS litmus_later WITH (FORCE)");
    }

    std::unique_ptr<postgres_user_store> open(std::shared_ptr<const token_cipher> c, std::string at = {})
    {
        postgres_store_options o;
        o.uri = at.empty() ? uri : at;
        // A lock never released fails the test within seconds, not at ctest's timeout.
        o.lock_timeout = std::chrono::seconds(10);
        o.now = [this] { return clock; };
        o.steady_now = [this] { return steady; };
        return std::make_unique<postgres_user_store>(std::move(o), std::move(c));
    }

    template <class T>
    T await(net::awaitable<T> op)
    {
        return run(ctx, std::move(op));
    }

    /// Ends every connection a store opened (they name themselves
    /// litmus-proxy), as a restart of the server does.
    int end_store_connections()
    {
        auto rows = raw.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'litmus-proxy'");
        return static_cast<int>(rows.size());
    }

    /// A refresh of alice on `replica` (seen at `seen_revision`) gets the
    /// lock and runs: a lock another replica still held would fail it with
    /// unavailable after lock_timeout. Writes "alice-access-from-b".
    void check_gets_the_lock_and_refreshes(user_store& replica, std::uint64_t seen_revision)
    {
        auto succeeding = [](user_record current) -> net::awaitable<store_result<user_record>> {
            current.access_token = "alice-access-from-b";
            co_return current;
        };
        auto outcome = await(replica.refresh_locked(alice().user, seen_revision, succeeding));
        BOOST_TEST_REQUIRE(outcome.has_value());
        BOOST_TEST(outcome->refreshed);
    }

    /// Number of sessions waiting for an advisory lock.
    int advisory_lock_waiters()
    {
        auto rows = raw.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
        return std::stoi(rows.at(0).at(0));
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(postgres_user_store_test, store_fixture)

BOOST_AUTO_TEST_CASE(refresh_runs_when_the_row_is_as_the_caller_saw_it)
{
    auto store = open(cipher(key_a));
    store_contract::refresh_runs_when_the_row_is_as_the_caller_saw_it(ctx, *store);
}

BOOST_AUTO_TEST_CASE(put_get_mark_and_erase)
{
    auto store = open(cipher(key_a));
    store_contract::put_get_mark_and_erase(ctx, *store, clock);
    BOOST_TEST(raw.query("SELECT version FROM litmus_proxy.schema_version").at(0).at(0) == "1",
               "the first operation created the schema");
}

BOOST_AUTO_TEST_CASE(rows_persist_across_stores_and_lost_connections)
{
    {
        auto store = open(cipher(key_a));
        BOOST_TEST_REQUIRE(await(store->put(alice())).has_value());
    }
    auto store = open(cipher(key_a));
    check_same_user(await(store->get("alice@example.com")).value().value(), alice());

    // The server ends the store's connection (as a restart does): the next
    // operation notices and succeeds on a new connection.
    BOOST_TEST_REQUIRE(end_store_connections() >= 1);
    auto bob = alice();
    bob.user = "bob";
    bob.refresh_token = "";
    BOOST_TEST(await(store->put(bob)).has_value());
    BOOST_TEST(await(store->get("bob")).value().value().refresh_token.empty());
    check_same_user(await(store->get("alice@example.com")).value().value(), alice());
}

BOOST_AUTO_TEST_CASE(the_table_holds_no_token_in_clear)
{
    auto store = open(cipher(key_a));
    BOOST_TEST_REQUIRE(await(store->put(alice())).has_value());
    auto rows = raw.query(
        "SELECT full_name, encode(access_token, 'escape'), encode(refresh_token, 'escape') FROM litmus_proxy.users");
    BOOST_TEST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0][0] == "Alice Liddell", "the query sees the row's clear columns");
    for (const auto& column : {rows[0][1], rows[0][2]}) {
        BOOST_TEST(!contains(column, alice().access_token));
        BOOST_TEST(!contains(column, alice().refresh_token));
    }
}

BOOST_AUTO_TEST_CASE(key_rotation_reads_old_rows_and_rewrites_them_under_the_new_key)
{
    store_contract::key_rotation(ctx, [this](auto c) -> std::unique_ptr<user_store> { return open(std::move(c)); });
}

BOOST_AUTO_TEST_CASE(two_stores_refreshing_one_user_concurrently_spend_the_refresh_token_once)
{
    // Two stores, each with its own connections: two replicas. 10 callers on
    // each saw the same revision and want the token refreshed.
    auto replica_a = open(cipher(key_a));
    auto replica_b = open(cipher(key_a));
    auto seen = await(replica_a->put(alice())).value();
    int calls = 0;
    bool other_replica_waited = false;
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        ++calls;
        BOOST_TEST(current.refresh_token == alice().refresh_token);
        // Hold the lock until the other replica waits for it in the database
        // (polled on this event loop, which therefore must not be blocked by
        // that wait), as a slow token request would.
        net::steady_timer poll(co_await net::this_coro::executor);
        for (int i = 0; i < 1000 && !other_replica_waited; ++i) {
            other_replica_waited = advisory_lock_waiters() > 0;
            poll.expires_after(std::chrono::milliseconds(10));
            co_await poll.async_wait(net::use_awaitable);
        }
        current.access_token = "alice-access-refreshed";
        current.refresh_token = "alice-refresh-rotated";
        co_return current;
    };
    store_contract::refresh_concurrently(ctx, {replica_a.get(), replica_b.get()}, 20, seen.revision, refresh);
    BOOST_TEST(calls == 1);
    BOOST_TEST(other_replica_waited, "the other replica waited for the lock while the refresh ran");
    BOOST_TEST(await(replica_b->get(seen.user)).value().value().refresh_token == "alice-refresh-rotated");
    BOOST_TEST(raw.query("SELECT revision FROM litmus_proxy.users").at(0).at(0) == std::to_string(seen.revision + 1));
}

BOOST_AUTO_TEST_CASE(refresh_does_not_run_on_a_moved_row_or_one_needing_reauthorization)
{
    auto store = open(cipher(key_a));
    store_contract::refresh_does_not_run_on_a_moved_row_or_one_needing_reauthorization(ctx, *store);
}

BOOST_AUTO_TEST_CASE(a_failed_refresh_writes_nothing_and_releases_the_lock)
{
    auto replica_a = open(cipher(key_a));
    auto replica_b = open(cipher(key_a));
    store_contract::a_failed_refresh_writes_nothing_and_passes_its_error_through(ctx, *replica_a);
    auto seen = await(replica_a->get(alice().user)).value().value();

    check_gets_the_lock_and_refreshes(*replica_b, seen.revision);
    BOOST_TEST(await(replica_a->get(seen.user)).value().value().access_token == "alice-access-from-b");
}

BOOST_AUTO_TEST_CASE(a_new_authorization_during_a_refresh_is_kept)
{
    // put() does not wait for the refresh lock, even on another replica.
    auto store = open(cipher(key_a));
    auto other = open(cipher(key_a));
    store_contract::a_refresh_that_lost_to_a_new_authorization_leaves_it_in_place(ctx, *store, *other);
}

BOOST_AUTO_TEST_CASE(a_refresh_whose_connection_is_lost_still_keeps_the_new_tokens)
{
    auto store = open(cipher(key_a));
    auto seen = await(store->put(alice())).value();
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        // Litmus has rotated the refresh token; then the server ends the
        // connection that holds the transaction.
        BOOST_TEST(end_store_connections() >= 1);
        current.access_token = "alice-access-refreshed";
        current.refresh_token = "alice-refresh-rotated";
        co_return current;
    };
    auto outcome = await(store->refresh_locked(seen.user, seen.revision, refresh));
    BOOST_TEST_REQUIRE(outcome.has_value());
    BOOST_TEST(outcome->refreshed);
    auto row = await(store->get(seen.user)).value().value();
    BOOST_TEST(row.refresh_token == "alice-refresh-rotated");
    BOOST_TEST(row.revision == seen.revision + 1);
}

// A time limit: a hang here (the store touching the destroyed io_context, as
// store_worker once could) fails this test instead of stalling the run until
// ctest's timeout.
BOOST_AUTO_TEST_CASE(a_refresh_abandoned_while_its_function_runs_releases_the_lock, *boost::unit_test::timeout(60))
{
    auto replica_a = open(cipher(key_a));
    auto replica_b = open(cipher(key_a));
    auto seen = await(replica_a->put(alice())).value();
    bool started = false;
    {
        // A refresh whose coroutine is destroyed while its function waits (the
        // event loop shut down mid-request) must not leave the lock held.
        net::io_context doomed;
        net::steady_timer never(doomed, net::steady_timer::time_point::max());
        auto hang = [&](user_record current) -> net::awaitable<store_result<user_record>> {
            started = true;
            co_await never.async_wait(net::use_awaitable);
            co_return current;
        };
        net::co_spawn(doomed, replica_a->refresh_locked(seen.user, seen.revision, hang), net::detached);
        for (int i = 0; i < 1000 && !started; ++i)
            doomed.run_one_for(std::chrono::milliseconds(10));
        BOOST_TEST_REQUIRE(started);
    }
    check_gets_the_lock_and_refreshes(*replica_b, seen.revision);
}

BOOST_AUTO_TEST_CASE(a_database_that_is_down_is_unavailable)
{
    // Nothing listens on port 1 of the loopback: connecting is refused.
    auto down = open(cipher(key_a), "postgres://litmus@127.0.0.1:1/litmus");
    auto got = await(down->get("alice@example.com"));
    BOOST_TEST_REQUIRE(!got.has_value());
    BOOST_TEST((got.error() == store_errc::unavailable));
    auto put = await(down->put(alice()));
    BOOST_TEST_REQUIRE(!put.has_value());
    BOOST_TEST((put.error() == store_errc::unavailable));
    int calls = 0;
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        ++calls;
        co_return current;
    };
    auto refreshed = await(down->refresh_locked("alice@example.com", 1, refresh));
    BOOST_TEST_REQUIRE(!refreshed.has_value());
    BOOST_TEST((refreshed.error() == store_errc::unavailable));
    BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(after_a_failed_connection_operations_fail_at_once_until_the_reconnect_delay)
{
    // A database that does not exist yet: the server refuses the connection.
    auto later = uri.substr(0, uri.rfind('/')) + "/litmus_later";
    auto store = open(cipher(key_a), later);
    auto first = await(store->get("alice@example.com"));
    BOOST_TEST_REQUIRE(!first.has_value());
    BOOST_TEST((first.error() == store_errc::unavailable));

    raw.query("CREATE DATABASE litmus_later");
    auto within_delay = await(store->put(alice()));
    BOOST_TEST_REQUIRE(!within_delay.has_value(), "no new connection is attempted within reconnect_delay");
    BOOST_TEST((within_delay.error() == store_errc::unavailable));

    steady += std::chrono::seconds(1);
    BOOST_TEST(await(store->put(alice())).has_value(), "the next operation after the delay connects");
    BOOST_TEST(await(store->get("alice@example.com")).value().has_value());
}

BOOST_AUTO_TEST_CASE(the_password_in_the_url_is_not_in_its_description)
{
    auto described = describe_postgres_uri("postgres://litmus:s3cret-pw@db.example:6543/users?sslmode=require");
    BOOST_TEST(described == "postgres://litmus@db.example:6543/users");
    BOOST_TEST(describe_postgres_uri("postgres://[bad") == "postgres://(unparsable URL)");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

// The SQLite user store on real files in a temporary directory: the
// operations, persistence across reopening, tokens never stored in clear,
// key rotation, the file's mode, an unavailable store reported as an error,
// the refresh single flight, and the event loop left free while the store
// waits on the disk. The checks every store passes are store_contract's.

#include "proxy/users/sqlite_user_store.hpp"

#include "proxy/core/error.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/users/store_contract.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <sys/stat.h>

namespace litmus::users {

namespace {

using namespace store_contract;

std::string file_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct store_fixture {
    test::temp_dir dir{"litmus-user-store-"};
    std::string path = dir.file("users.db");
    net::io_context ctx;
    std::int64_t clock = 1'700'000'000;

    std::unique_ptr<sqlite_user_store> open(std::shared_ptr<const token_cipher> c,
                                            std::chrono::milliseconds busy_timeout = std::chrono::seconds(5))
    {
        sqlite_store_options o;
        o.path = path;
        o.busy_timeout = busy_timeout;
        o.now = [this] { return clock; };
        return std::make_unique<sqlite_user_store>(std::move(o), std::move(c));
    }

    template <class T>
    T await(net::awaitable<T> op)
    {
        return run(ctx, std::move(op));
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sqlite_user_store_test, store_fixture)

BOOST_AUTO_TEST_CASE(put_get_mark_and_erase)
{
    auto store = open(cipher(key_a));
    store_contract::put_get_mark_and_erase(ctx, *store, clock);
}

BOOST_AUTO_TEST_CASE(rows_persist_across_closing_and_reopening)
{
    {
        auto store = open(cipher(key_a));
        BOOST_TEST_REQUIRE(await(store->put(alice())).has_value());
        auto bob = alice();
        bob.user = "bob";
        bob.access_token = "bob-access";
        bob.refresh_token = "";
        BOOST_TEST_REQUIRE(await(store->put(bob)).has_value());
    }
    auto store = open(cipher(key_a));
    check_same_user(await(store->get("alice@example.com")).value().value(), alice());
    auto bob = await(store->get("bob")).value().value();
    BOOST_TEST(bob.access_token == "bob-access");
    BOOST_TEST(bob.refresh_token.empty());
}

BOOST_AUTO_TEST_CASE(the_file_is_private_and_holds_no_token_in_clear)
{
    auto store = open(cipher(key_a));
    BOOST_TEST_REQUIRE(await(store->put(alice())).has_value());
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    // With WAL the row may still be in the -wal file only: read both.
    auto bytes = file_bytes(path) + file_bytes(path + "-wal");
    BOOST_TEST(contains(bytes, "Alice Liddell"), "the scan sees the row's clear columns");
    BOOST_TEST(!contains(bytes, alice().access_token));
    BOOST_TEST(!contains(bytes, alice().refresh_token));
    for (const auto* side : {"-wal", "-shm"}) {
        if (::stat((path + side).c_str(), &st) == 0)
            BOOST_TEST((st.st_mode & 077) == 0u, side << " is private too");
    }
}

BOOST_AUTO_TEST_CASE(key_rotation_reads_old_rows_and_rewrites_them_under_the_new_key)
{
    store_contract::key_rotation(ctx, [this](auto c) -> std::unique_ptr<user_store> { return open(std::move(c)); });
}

BOOST_AUTO_TEST_CASE(a_file_others_can_read_is_refused_until_it_is_made_private)
{
    { std::ofstream(path) << ""; }
    BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0644) == 0);
    auto store = open(cipher(key_a));
    auto r = await(store->put(alice()));
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == store_errc::unavailable));
    BOOST_TEST(file_bytes(path).empty(), "nothing was written");

    BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0600) == 0);
    BOOST_TEST(await(store->put(alice())).has_value(), "the next operation opens it again");
}

BOOST_AUTO_TEST_CASE(a_store_in_a_missing_directory_is_unavailable_then_recovers)
{
    path = dir.file("not-yet") + "/users.db";
    auto store = open(cipher(key_a));
    auto got = await(store->get("alice@example.com"));
    BOOST_TEST_REQUIRE(!got.has_value());
    BOOST_TEST((got.error() == store_errc::unavailable));
    auto put = await(store->put(alice()));
    BOOST_TEST_REQUIRE(!put.has_value());
    BOOST_TEST((put.error() == store_errc::unavailable));

    std::filesystem::create_directory(dir.file("not-yet"));
    BOOST_TEST(await(store->put(alice())).has_value());
    BOOST_TEST(await(store->get("alice@example.com")).value().has_value());
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_unavailable)
{
    dir.write_file("users.db", std::string(8192, 'x'));
    BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0600) == 0);
    auto store = open(cipher(key_a));
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto r = await(store->get("alice@example.com"));
        BOOST_TEST_REQUIRE(!r.has_value());
        BOOST_TEST((r.error() == store_errc::unavailable));
    }
    BOOST_TEST(file_bytes(path) == std::string(8192, 'x'), "the file is left as it was");
}

BOOST_AUTO_TEST_CASE(the_event_loop_runs_while_the_store_waits_for_the_disk)
{
    auto store = open(cipher(key_a), std::chrono::seconds(30));
    BOOST_TEST_REQUIRE(await(store->put(alice())).has_value());

    // Another connection holds the write lock: the store's write has to wait
    // for it. Only a handler on the event loop releases it, so the write
    // completes only if it waited off the loop.
    sqlite3* other = nullptr;
    BOOST_TEST_REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    BOOST_TEST_REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

    bool released = false;
    bool released_before_done = false;
    std::optional<store_result<user_record>> result;
    auto renewed = alice();
    renewed.access_token = "alice-access-after-wait";
    net::co_spawn(ctx, store->put(renewed), [&](std::exception_ptr e, store_result<user_record> r) {
        BOOST_TEST(!e);
        released_before_done = released;
        result = std::move(r);
    });
    net::post(ctx, [&] {
        released = sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    });
    ctx.restart();
    ctx.run();
    sqlite3_close(other);

    BOOST_TEST(released_before_done, "the event loop ran the release while the write was pending");
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST_REQUIRE(result->has_value());
    BOOST_TEST(await(store->get("alice@example.com")).value().value().access_token == "alice-access-after-wait");
}

BOOST_AUTO_TEST_CASE(refresh_runs_when_the_row_is_as_the_caller_saw_it)
{
    auto store = open(cipher(key_a));
    store_contract::refresh_runs_when_the_row_is_as_the_caller_saw_it(ctx, *store);
}

BOOST_AUTO_TEST_CASE(concurrent_refreshes_of_one_user_spend_the_refresh_token_once)
{
    auto store = open(cipher(key_a));
    auto seen = await(store->put(alice())).value();
    int calls = 0;
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        ++calls;
        // Yield to the event loop as a real token request would.
        co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
        current.access_token = "alice-access-refreshed";
        co_return current;
    };
    store_contract::refresh_concurrently(ctx, {store.get()}, 5, seen.revision, refresh);
    BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(refresh_does_not_run_on_a_moved_row_or_one_needing_reauthorization)
{
    auto store = open(cipher(key_a));
    store_contract::refresh_does_not_run_on_a_moved_row_or_one_needing_reauthorization(ctx, *store);
}

BOOST_AUTO_TEST_CASE(a_failed_refresh_writes_nothing_and_passes_its_error_through)
{
    auto store = open(cipher(key_a));
    store_contract::a_failed_refresh_writes_nothing_and_passes_its_error_through(ctx, *store);
}

BOOST_AUTO_TEST_CASE(a_refresh_that_lost_to_a_new_authorization_leaves_it_in_place)
{
    auto store = open(cipher(key_a));
    store_contract::a_refresh_that_lost_to_a_new_authorization_leaves_it_in_place(ctx, *store, *store);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

// The SQLite user store on real files in a temporary directory: the
// operations, persistence across reopening, tokens never stored in clear,
// key rotation, the file's mode, an unavailable store reported as an error,
// the refresh single flight, and the event loop left free while the store
// waits on the disk.

#include "proxy/users/sqlite_user_store.hpp"

#include "proxy/core/error.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/users/test_keys.hpp"

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

using test_keys::filled_with;

const auto key_a = filled_with(0x11);
const auto key_b = filled_with(0x22);

std::shared_ptr<const token_cipher> cipher(const config::store_key& current,
                                           std::optional<config::store_key> old = std::nullopt)
{
    return std::make_shared<const token_cipher>(current, old);
}

user_record alice()
{
    user_record r;
    r.user = "alice@example.com";
    r.litmus_user_id = "4242";
    r.full_name = "Alice Liddell";
    r.access_token = "alice-access-5b1d0e7c";
    r.access_expires_at = 1'900'000'000;
    r.refresh_token = "alice-refresh-93c4aa01";
    return r;
}

/// Runs one awaitable to completion on `ctx` (its own thread) and returns
/// its value.
template <class T>
T run(net::io_context& ctx, net::awaitable<T> op)
{
    std::optional<T> out;
    std::exception_ptr failure;
    net::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T v) {
        if (e)
            failure = e;
        else
            out.emplace(std::move(v));
    });
    ctx.restart();
    ctx.run();
    if (failure)
        std::rethrow_exception(failure);
    BOOST_TEST_REQUIRE(out.has_value());
    return std::move(*out);
}

std::string file_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::string& haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string::npos;
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

void check_same_user(const user_record& got, const user_record& want)
{
    BOOST_TEST(got.user == want.user);
    BOOST_TEST(got.litmus_user_id == want.litmus_user_id);
    BOOST_TEST(got.full_name == want.full_name);
    BOOST_TEST(got.access_token == want.access_token);
    BOOST_TEST(got.access_expires_at == want.access_expires_at);
    BOOST_TEST(got.refresh_token == want.refresh_token);
    BOOST_TEST(got.reauthorization_required == want.reauthorization_required);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sqlite_user_store_test, store_fixture)

BOOST_AUTO_TEST_CASE(put_get_mark_and_erase)
{
    auto store = open(cipher(key_a));
    auto missing = await(store->get("alice@example.com"));
    BOOST_TEST_REQUIRE(missing.has_value());
    BOOST_TEST(!missing->has_value());

    auto stored = await(store->put(alice()));
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->revision == 1u);
    BOOST_TEST(stored->updated_at == clock);

    auto got = await(store->get("alice@example.com"));
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST_REQUIRE(got->has_value());
    check_same_user(**got, alice());
    BOOST_TEST((*got)->revision == 1u);
    BOOST_TEST(!(*got)->read_under_old_key);

    clock += 60;
    auto renewed = alice();
    renewed.access_token = "alice-access-second";
    renewed.access_expires_at += 3600;
    BOOST_TEST(await(store->put(renewed)).value().revision == 2u);
    auto second = await(store->get("alice@example.com")).value().value();
    check_same_user(second, renewed);
    BOOST_TEST(second.updated_at == clock);

    BOOST_TEST(await(store->mark_reauthorization_required("alice@example.com")).value());
    auto marked = await(store->get("alice@example.com")).value().value();
    BOOST_TEST(marked.reauthorization_required);
    BOOST_TEST(marked.access_token == "alice-access-second");
    BOOST_TEST(marked.revision == 3u);
    BOOST_TEST(!await(store->mark_reauthorization_required("nobody")).value());

    BOOST_TEST(await(store->erase("alice@example.com")).value());
    BOOST_TEST(!await(store->get("alice@example.com")).value().has_value());
    BOOST_TEST(!await(store->erase("alice@example.com")).value());
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
    {
        auto store = open(cipher(key_a));
        BOOST_TEST_REQUIRE(await(store->put(alice())).has_value());
    }
    {
        auto store = open(cipher(key_b, key_a));
        auto row = await(store->get("alice@example.com")).value().value();
        check_same_user(row, alice());
        BOOST_TEST(row.read_under_old_key);
        auto rewritten = await(store->put(row));
        BOOST_TEST_REQUIRE(rewritten.has_value());
        BOOST_TEST(!rewritten->read_under_old_key);
        BOOST_TEST(!await(store->get("alice@example.com")).value().value().read_under_old_key);
    }
    auto store = open(cipher(key_b));
    auto row = await(store->get("alice@example.com")).value().value();
    check_same_user(row, alice());
    BOOST_TEST(!row.read_under_old_key);
}

BOOST_AUTO_TEST_CASE(a_row_under_an_unknown_key_is_reported_unreadable)
{
    {
        auto store = open(cipher(key_a));
        BOOST_TEST_REQUIRE(await(store->put(alice())).has_value());
    }
    auto store = open(cipher(key_b));
    auto r = await(store->get("alice@example.com"));
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == store_errc::record_unreadable));
    // The store itself is fine: other users are served.
    auto bob = alice();
    bob.user = "bob";
    BOOST_TEST(await(store->put(bob)).has_value());
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
    auto seen = await(store->put(alice())).value();
    int calls = 0;
    auto outcome = await(store->refresh_locked(
        seen.user, seen.revision, [&](user_record current) -> net::awaitable<store_result<user_record>> {
            ++calls;
            BOOST_TEST(current.refresh_token == alice().refresh_token);
            current.access_token = "alice-access-refreshed";
            current.refresh_token = "alice-refresh-rotated";
            co_return current;
        }));
    BOOST_TEST_REQUIRE(outcome.has_value());
    BOOST_TEST(calls == 1);
    BOOST_TEST(outcome->refreshed);
    BOOST_TEST_REQUIRE(outcome->record.has_value());
    BOOST_TEST(outcome->record->revision == seen.revision + 1);
    auto row = await(store->get(seen.user)).value().value();
    BOOST_TEST(row.access_token == "alice-access-refreshed");
    BOOST_TEST(row.refresh_token == "alice-refresh-rotated");
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
    std::vector<store_result<refresh_outcome>> outcomes;
    for (int i = 0; i < 5; ++i)
        net::co_spawn(ctx, store->refresh_locked(seen.user, seen.revision, refresh),
                      [&](std::exception_ptr e, store_result<refresh_outcome> r) {
                          BOOST_TEST(!e);
                          outcomes.push_back(std::move(r));
                      });
    ctx.restart();
    ctx.run();

    BOOST_TEST(calls == 1);
    BOOST_TEST_REQUIRE(outcomes.size() == 5u);
    int refreshed = 0;
    for (const auto& o : outcomes) {
        BOOST_TEST_REQUIRE(o.has_value());
        refreshed += o->refreshed ? 1 : 0;
        BOOST_TEST_REQUIRE(o->record.has_value());
        BOOST_TEST(o->record->access_token == "alice-access-refreshed", "the losers get the winner's token");
        BOOST_TEST(o->record->revision == seen.revision + 1);
    }
    BOOST_TEST(refreshed == 1);
}

BOOST_AUTO_TEST_CASE(refresh_does_not_run_on_a_moved_row_or_one_needing_reauthorization)
{
    auto store = open(cipher(key_a));
    auto seen = await(store->put(alice())).value();
    int calls = 0;
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        ++calls;
        co_return current;
    };
    auto newer = alice();
    newer.access_token = "alice-access-from-a-new-authorization";
    BOOST_TEST_REQUIRE(await(store->put(newer)).has_value());
    auto moved = await(store->refresh_locked(seen.user, seen.revision, refresh)).value();
    BOOST_TEST(!moved.refreshed);
    BOOST_TEST(moved.record.value().access_token == newer.access_token);

    BOOST_TEST_REQUIRE(await(store->mark_reauthorization_required(seen.user)).value());
    auto current = await(store->get(seen.user)).value().value();
    auto marked = await(store->refresh_locked(seen.user, current.revision, refresh)).value();
    BOOST_TEST(!marked.refreshed);
    BOOST_TEST(marked.record.value().reauthorization_required);

    auto gone = await(store->refresh_locked("nobody", 1, refresh)).value();
    BOOST_TEST(!gone.record.has_value());
    BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_refresh_writes_nothing_and_passes_its_error_through)
{
    auto store = open(cipher(key_a));
    auto seen = await(store->put(alice())).value();
    auto failing = [](user_record) -> net::awaitable<store_result<user_record>> {
        co_return make_error_code(errc::token_endpoint_failed);
    };
    auto r = await(store->refresh_locked(seen.user, seen.revision, failing));
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == errc::token_endpoint_failed));
    auto row = await(store->get(seen.user)).value().value();
    BOOST_TEST(row.revision == seen.revision);
    BOOST_TEST(row.access_token == alice().access_token);
}

BOOST_AUTO_TEST_CASE(a_refresh_that_lost_to_a_new_authorization_leaves_it_in_place)
{
    auto store = open(cipher(key_a));
    auto seen = await(store->put(alice())).value();
    auto newer = alice();
    newer.access_token = "alice-access-from-a-new-authorization";
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        // A callback stores a new authorization while the refresh runs.
        BOOST_TEST((co_await store->put(newer)).has_value());
        current.access_token = "alice-access-refreshed-stale";
        co_return current;
    };
    auto outcome = await(store->refresh_locked(seen.user, seen.revision, refresh)).value();
    BOOST_TEST(!outcome.refreshed);
    BOOST_TEST(outcome.record.value().access_token == newer.access_token);
    BOOST_TEST(await(store->get(seen.user)).value().value().access_token == newer.access_token);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

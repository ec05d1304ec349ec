#pragma once
// What every user store must do (user_store.hpp), as checks each backend's
// test suite runs on its own stores (sqlite_user_store_test,
// tests/postgres/postgres_user_store_test), and the helpers those suites share.

#include "proxy/core/error.hpp"
#include "proxy/users/token_cipher.hpp"
#include "proxy/users/user_store.hpp"

#include "tests/unit/users/test_keys.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::users::store_contract {

inline const config::store_key key_a = test_keys::filled_with(0x11);
inline const config::store_key key_b = test_keys::filled_with(0x22);

inline std::shared_ptr<const token_cipher> cipher(const config::store_key& current,
                                                  std::optional<config::store_key> old = std::nullopt)
{
    return std::make_shared<const token_cipher>(current, old);
}

inline user_record alice()
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

inline bool contains(const std::string& haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string::npos;
}

inline void check_same_user(const user_record& got, const user_record& want)
{
    BOOST_TEST(got.user == want.user);
    BOOST_TEST(got.litmus_user_id == want.litmus_user_id);
    BOOST_TEST(got.full_name == want.full_name);
    BOOST_TEST(got.access_token == want.access_token);
    BOOST_TEST(got.access_expires_at == want.access_expires_at);
    BOOST_TEST(got.refresh_token == want.refresh_token);
    BOOST_TEST(got.reauthorization_required == want.reauthorization_required);
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

/// Opens a store on the backend under test, with its tokens under `cipher`.
using store_opener = std::function<std::unique_ptr<user_store>(std::shared_ptr<const token_cipher>)>;

/// put, get, mark_reauthorization_required and erase on a store with no
/// rows, whose clock reads `clock`.
inline void put_get_mark_and_erase(net::io_context& ctx, user_store& store, std::int64_t& clock)
{
    auto missing = run(ctx, store.get("alice@example.com"));
    BOOST_TEST_REQUIRE(missing.has_value());
    BOOST_TEST(!missing->has_value());

    auto stored = run(ctx, store.put(alice()));
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->revision == 1u);
    BOOST_TEST(stored->updated_at == clock);

    auto got = run(ctx, store.get("alice@example.com"));
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST_REQUIRE(got->has_value());
    check_same_user(**got, alice());
    BOOST_TEST((*got)->revision == 1u);
    BOOST_TEST(!(*got)->read_under_old_key);

    clock += 60;
    auto renewed = alice();
    renewed.access_token = "alice-access-second";
    renewed.access_expires_at += 3600;
    BOOST_TEST(run(ctx, store.put(renewed)).value().revision == 2u);
    auto second = run(ctx, store.get("alice@example.com")).value().value();
    check_same_user(second, renewed);
    BOOST_TEST(second.updated_at == clock);

    BOOST_TEST(run(ctx, store.mark_reauthorization_required("alice@example.com")).value());
    auto marked = run(ctx, store.get("alice@example.com")).value().value();
    BOOST_TEST(marked.reauthorization_required);
    BOOST_TEST(marked.access_token == "alice-access-second");
    BOOST_TEST(marked.revision == 3u);
    BOOST_TEST(!run(ctx, store.mark_reauthorization_required("nobody")).value());

    BOOST_TEST(run(ctx, store.erase("alice@example.com")).value());
    BOOST_TEST(!run(ctx, store.get("alice@example.com")).value().has_value());
    BOOST_TEST(!run(ctx, store.erase("alice@example.com")).value());
}

/// Rows written under key_a read under key_b with key_a as the old key,
/// rewritten under key_b, then read with key_b alone; a store with an
/// unknown key reports the row unreadable and still serves other users.
inline void key_rotation(net::io_context& ctx, const store_opener& open)
{
    {
        auto store = open(cipher(key_a));
        BOOST_TEST_REQUIRE(run(ctx, store->put(alice())).has_value());
    }
    {
        auto store = open(cipher(key_b, key_a));
        auto row = run(ctx, store->get("alice@example.com")).value().value();
        check_same_user(row, alice());
        BOOST_TEST(row.read_under_old_key);
        auto rewritten = run(ctx, store->put(row));
        BOOST_TEST_REQUIRE(rewritten.has_value());
        BOOST_TEST(!rewritten->read_under_old_key);
        BOOST_TEST(!run(ctx, store->get("alice@example.com")).value().value().read_under_old_key);
    }
    {
        auto store = open(cipher(key_b));
        auto row = run(ctx, store->get("alice@example.com")).value().value();
        check_same_user(row, alice());
        BOOST_TEST(!row.read_under_old_key);
    }
    auto store = open(cipher(test_keys::filled_with(0x33)));
    auto r = run(ctx, store->get("alice@example.com"));
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == store_errc::record_unreadable));
    auto bob = alice();
    bob.user = "bob";
    BOOST_TEST(run(ctx, store->put(bob)).has_value());
}

/// refresh_locked() on a row as the caller saw it: the function runs once
/// with the stored tokens and its record is written.
inline void refresh_runs_when_the_row_is_as_the_caller_saw_it(net::io_context& ctx, user_store& store)
{
    auto seen = run(ctx, store.put(alice())).value();
    int calls = 0;
    auto outcome = run(ctx, store.refresh_locked(seen.user, seen.revision,
                                                 [&](user_record current) -> net::awaitable<store_result<user_record>> {
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
    auto row = run(ctx, store.get(seen.user)).value().value();
    BOOST_TEST(row.access_token == "alice-access-refreshed");
    BOOST_TEST(row.refresh_token == "alice-refresh-rotated");
}

/// refresh_locked() does not call the function for a row another writer
/// moved, a row requiring reauthorization, or a missing row.
inline void refresh_does_not_run_on_a_moved_row_or_one_needing_reauthorization(net::io_context& ctx,
                                                                               user_store& store)
{
    auto seen = run(ctx, store.put(alice())).value();
    int calls = 0;
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        ++calls;
        co_return current;
    };
    auto newer = alice();
    newer.access_token = "alice-access-from-a-new-authorization";
    BOOST_TEST_REQUIRE(run(ctx, store.put(newer)).has_value());
    auto moved = run(ctx, store.refresh_locked(seen.user, seen.revision, refresh)).value();
    BOOST_TEST(!moved.refreshed);
    BOOST_TEST(moved.record.value().access_token == newer.access_token);

    BOOST_TEST_REQUIRE(run(ctx, store.mark_reauthorization_required(seen.user)).value());
    auto current = run(ctx, store.get(seen.user)).value().value();
    auto marked = run(ctx, store.refresh_locked(seen.user, current.revision, refresh)).value();
    BOOST_TEST(!marked.refreshed);
    BOOST_TEST(marked.record.value().reauthorization_required);

    auto gone = run(ctx, store.refresh_locked("nobody", 1, refresh)).value();
    BOOST_TEST(!gone.record.has_value());
    BOOST_TEST(calls == 0);
}

/// A refresh function's error is passed through and nothing is written.
inline void a_failed_refresh_writes_nothing_and_passes_its_error_through(net::io_context& ctx, user_store& store)
{
    auto seen = run(ctx, store.put(alice())).value();
    auto failing = [](user_record) -> net::awaitable<store_result<user_record>> {
        co_return make_error_code(errc::token_endpoint_failed);
    };
    auto r = run(ctx, store.refresh_locked(seen.user, seen.revision, failing));
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == errc::token_endpoint_failed));
    auto row = run(ctx, store.get(seen.user)).value().value();
    BOOST_TEST(row.revision == seen.revision);
    BOOST_TEST(row.access_token == alice().access_token);
}

/// A new authorization stored through `writer` (the same store, or another
/// one on the same data) while a refresh of `store` runs stands; the
/// refresh's record is not written.
inline void a_refresh_that_lost_to_a_new_authorization_leaves_it_in_place(net::io_context& ctx, user_store& store,
                                                                         user_store& writer)
{
    auto seen = run(ctx, store.put(alice())).value();
    auto newer = alice();
    newer.access_token = "alice-access-from-a-new-authorization";
    auto refresh = [&](user_record current) -> net::awaitable<store_result<user_record>> {
        // A callback stores a new authorization while the refresh runs.
        BOOST_TEST((co_await writer.put(newer)).has_value());
        current.access_token = "alice-access-refreshed-stale";
        co_return current;
    };
    auto outcome = run(ctx, store.refresh_locked(seen.user, seen.revision, refresh)).value();
    BOOST_TEST(!outcome.refreshed);
    BOOST_TEST(outcome.record.value().access_token == newer.access_token);
    BOOST_TEST(run(ctx, store.get(seen.user)).value().value().access_token == newer.access_token);
}

/// `callers` refresh_locked() calls for alice() at `seen_revision`, spread
/// over `stores` in turn and all started before any completes, run to the
/// end. `refresh` must set the access token to "alice-access-refreshed".
/// Checks that exactly one call refreshed and every caller got the winner's
/// row (the losers use its token).
inline void refresh_concurrently(net::io_context& ctx, const std::vector<user_store*>& stores, int callers,
                                 std::uint64_t seen_revision, const user_store::refresh_fn& refresh)
{
    std::vector<store_result<refresh_outcome>> outcomes;
    for (int i = 0; i < callers; ++i)
        net::co_spawn(ctx, stores[static_cast<std::size_t>(i) % stores.size()]->refresh_locked(alice().user,
                                                                                                seen_revision, refresh),
                      [&](std::exception_ptr e, store_result<refresh_outcome> r) {
                          BOOST_TEST(!e);
                          outcomes.push_back(std::move(r));
                      });
    ctx.restart();
    ctx.run();

    BOOST_TEST_REQUIRE(outcomes.size() == static_cast<std::size_t>(callers));
    int refreshed = 0;
    for (const auto& o : outcomes) {
        BOOST_TEST_REQUIRE(o.has_value());
        refreshed += o->refreshed ? 1 : 0;
        BOOST_TEST_REQUIRE(o->record.has_value());
        BOOST_TEST(o->record->access_token == "alice-access-refreshed", "the losers get the winner's token");
        BOOST_TEST(o->record->revision == seen_revision + 1);
    }
    BOOST_TEST(refreshed == 1);
}

}  // namespace litmus::users::store_contract

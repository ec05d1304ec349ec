// The store users.store names, built from the config: a SQLite file at the
// configured path, encrypted under the configured key, or a PostgreSQL store.

#include "proxy/users/make_user_store.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/users/test_keys.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>

namespace litmus::users {

namespace {

// Writes one row through the store and reads it back.
net::awaitable<std::string> round_trip(user_store& store)
{
    user_record r;
    r.user = "carol";
    r.access_token = "carol-access";
    auto stored = co_await store.put(r);
    BOOST_TEST_REQUIRE(stored.has_value());
    auto got = co_await store.get("carol");
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST_REQUIRE(got->has_value());
    co_return (*got)->access_token;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(make_user_store_test)

BOOST_AUTO_TEST_CASE(a_sqlite_store_opens_the_configured_file_on_first_use)
{
    test::temp_dir dir;
    config::users_config cfg;
    cfg.store_location = {config::user_store_location::kind::sqlite, dir.file("users.db")};
    cfg.key = test_keys::filled_with(0x33);
    auto store = make_user_store(cfg);
    BOOST_TEST(!std::filesystem::exists(dir.file("users.db")), "nothing is opened before the first operation");

    net::io_context ctx;
    std::string token;
    net::co_spawn(ctx, round_trip(*store), [&](std::exception_ptr e, std::string t) {
        BOOST_TEST(!e);
        token = std::move(t);
    });
    ctx.run();
    BOOST_TEST(token == "carol-access");
    BOOST_TEST(std::filesystem::exists(dir.file("users.db")));
}

BOOST_AUTO_TEST_CASE(a_postgres_store_connects_on_first_use_and_a_refused_connection_is_unavailable)
{
    config::users_config cfg;
    // Port 1 on the loopback: nothing listens, the connection is refused.
    cfg.store_location = {config::user_store_location::kind::postgres, "postgres://litmus@127.0.0.1:1/litmus"};
    cfg.key = test_keys::filled_with(0x33);
    auto store = make_user_store(cfg);  // connects to nothing yet

    net::io_context ctx;
    std::optional<boost::system::error_code> error;
    net::co_spawn(ctx, store->get("carol"), [&](std::exception_ptr e, store_result<std::optional<user_record>> r) {
        BOOST_TEST(!e);
        BOOST_TEST_REQUIRE(!r.has_value());
        error = r.error();
    });
    ctx.run();
    BOOST_TEST_REQUIRE(error.has_value());
    BOOST_TEST(*error == make_error_code(store_errc::unavailable));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

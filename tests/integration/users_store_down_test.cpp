// A user store that is down (issue 11): the proxy still starts; requests
// for a user and the /_litmus/ endpoints that need the store answer 503
// store_unavailable without forwarding anything, within the client's
// bound; requests without Litmus-User keep being served with the
// client-credentials token. Two ways to be down: a PostgreSQL at a closed
// port, a SQLite file in a directory that does not exist.

#include "tests/integration/users_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;
using fake::fake_litmus;

void check_store_down(const std::string& store)
{
    fake_litmus fake;
    users_files files;
    running_proxy proxy(files.yaml(fake, "", store));
    http_client app(proxy.port(), 10s);

    BOOST_TEST_REQUIRE(await_ok(proxy.port(), "/api/v2/users/current", 10s));
    const auto forwarded = fake.api_request_count();

    auto user = get_as(app, "u-1");
    BOOST_TEST(user.status == 503u, user.body << user.error);
    BOOST_TEST(error_of(user) == "store_unavailable", user.body);
    auto status = user_status(app, "u-1");
    BOOST_TEST(status.status == 503u, status.body << status.error);
    BOOST_TEST(error_of(status) == "store_unavailable", status.body);
    auto forget = app.request(http::verb::delete_, "/_litmus/users/u-1");
    BOOST_TEST(forget.status == 503u, forget.body << forget.error);
    BOOST_TEST(error_of(forget) == "store_unavailable", forget.body);
    BOOST_TEST(fake.api_request_count() == forwarded);

    // An authorization starts (states live in memory), but its completion
    // cannot keep the tokens.
    auto started = start_authorization(app, "u-1", app_redirect_uri);
    BOOST_TEST_REQUIRE(started.status == 200u, started.body << started.error);
    auto redirect = open_authorize_url(fake, std::string(started.json().at("authorize_url").as_string()), "alice");
    BOOST_TEST_REQUIRE(redirect.code.has_value(), redirect.location);
    auto callback = relay_callback(app, redirect);
    BOOST_TEST(callback.status == 503u, callback.body << callback.error);
    BOOST_TEST(error_of(callback) == "store_unavailable", callback.body);
    check_no_secret(callback, fake, *redirect.code);

    // Requests without the header are unaffected, before and after.
    for (int i = 0; i < 3; ++i) {
        auto r = app.request(http::verb::get, "/api/v2/users/current");
        BOOST_TEST(r.status == 200u, r.body << r.error);
        BOOST_TEST(user_id_of(r) == fake_litmus::user_id_for_client("test-client"));
    }
    // The user was not stored anywhere: still unavailable, nothing forwarded.
    const auto alice_requests = fake.user_counts("alice").api_requests;
    BOOST_TEST(get_as(app, "u-1").status == 503u);
    BOOST_TEST(fake.user_counts("alice").api_requests == alice_requests);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(users_store_down_test)

BOOST_AUTO_TEST_CASE(a_postgres_store_at_a_closed_port_is_503_for_users_only)
{
    check_store_down("postgres://litmus@127.0.0.1:1/litmus");
}

BOOST_AUTO_TEST_CASE(a_sqlite_store_in_a_missing_directory_is_503_for_users_only)
{
    temp_dir dir;
    check_store_down("sqlite:" + dir.file("does-not-exist") + "/users.db");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

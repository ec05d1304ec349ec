// A user whose refresh token Litmus revoked (issue 11): the next request
// for them finds the access token refused, the refresh refused, and answers
// 401 reauthorization_required naming the user; from then on their requests
// are answered locally (no refresh attempt, nothing forwarded) and the
// status says so, until the user goes through the authorization again.
// Other users are not affected.

#include "tests/integration/users_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using fake::fake_litmus;

}  // namespace

BOOST_AUTO_TEST_SUITE(users_revocation_test)

BOOST_AUTO_TEST_CASE(a_revoked_user_must_reauthorize_and_a_new_authorization_repairs)
{
    users_proxy p;
    auto& [fake, files, proxy, app] = p;
    connect_user(app, fake, "u-1", "alice");
    connect_user(app, fake, "u-2", "bob");
    BOOST_TEST_REQUIRE(get_as(app, "u-1").status == 200u);

    BOOST_TEST_REQUIRE(fake.revoke_user("alice") >= 2u);  // an access and a refresh token
    auto refused = get_as(app, "u-1");
    BOOST_TEST(refused.status == 401u, refused.body);
    BOOST_TEST(error_of(refused) == "reauthorization_required", refused.body);
    BOOST_TEST(refused.json().at("user").as_string() == "u-1", refused.body);
    check_no_secret(refused, fake);
    BOOST_TEST(fake.user_counts("alice").refreshes_refused == 1u);
    BOOST_TEST(fake.user_counts("alice").refreshes == 0u);

    auto status = user_status(app, "u-1");
    BOOST_TEST_REQUIRE(status.status == 200u, status.body);
    BOOST_TEST(!status.json().at("connected").as_bool());
    BOOST_TEST(status.json().at("reauthorization_required").as_bool());
    BOOST_TEST(status.json().at("litmus_user").at("id").as_string() == litmus_id_text("alice"));

    // Answered locally from now on: no refresh, nothing forwarded.
    const auto api = fake.api_request_count();
    const auto grants = fake.token_request_count();
    for (int i = 0; i < 3; ++i) {
        auto r = get_as(app, "u-1", i % 2 ? "/instant/v1/emails" : "/api/v2/users/current");
        BOOST_TEST(r.status == 401u, r.body);
        BOOST_TEST(error_of(r) == "reauthorization_required", r.body);
    }
    BOOST_TEST(fake.api_request_count() == api);
    BOOST_TEST(fake.token_request_count() == grants);
    BOOST_TEST(fake.user_counts("alice").refreshes_refused == 1u);

    // bob is not affected.
    auto bob = get_as(app, "u-2");
    BOOST_TEST(bob.status == 200u, bob.body);
    BOOST_TEST(user_id_of(bob) == fake_litmus::user_profile_of("bob").id);

    const auto admin = proxy.admin_port();
    BOOST_TEST(metric(admin, "litmus_proxy_users_reauthorization_required_total") == 1.0);
    BOOST_TEST(metric(admin, R"(litmus_proxy_user_refreshes_total{outcome="refused"})") == 1.0);

    // A new authorization repairs the user.
    connect_user(app, fake, "u-1", "alice");
    auto repaired = get_as(app, "u-1");
    BOOST_TEST_REQUIRE(repaired.status == 200u, repaired.body);
    BOOST_TEST(user_id_of(repaired) == fake_litmus::user_profile_of("alice").id);
    auto now = user_status(app, "u-1");
    BOOST_TEST_REQUIRE(now.status == 200u, now.body);
    BOOST_TEST(now.json().at("connected").as_bool());
    BOOST_TEST(!now.json().at("reauthorization_required").as_bool());
    BOOST_TEST(fake.user_counts("alice").codes_exchanged == 2u);
}

BOOST_AUTO_TEST_CASE(reauthorization_required_survives_a_restart)
{
    fake_litmus fake;
    users_files files;
    const auto yaml = files.yaml(fake);
    {
        running_proxy proxy(yaml);
        http_client app(proxy.port());
        connect_user(app, fake, "u-1", "alice");
        BOOST_TEST_REQUIRE(fake.revoke_user("alice") >= 2u);
        BOOST_TEST_REQUIRE(error_of(get_as(app, "u-1")) == "reauthorization_required");
    }
    running_proxy proxy(yaml);
    http_client app(proxy.port());
    const auto grants = fake.token_request_count();
    const auto api = fake.api_request_count();
    auto r = get_as(app, "u-1");
    BOOST_TEST(r.status == 401u, r.body);
    BOOST_TEST(error_of(r) == "reauthorization_required", r.body);
    BOOST_TEST(fake.user_counts("alice").refreshes_refused == 1u);
    BOOST_TEST(fake.api_request_count() == api);
    // The client-credentials token may be fetched at start; no refresh for alice.
    BOOST_TEST(fake.token_request_count() <= grants + 1);
    BOOST_TEST(user_status(app, "u-1").json().at("reauthorization_required").as_bool());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

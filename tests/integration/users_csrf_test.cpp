// CSRF and replay on the callback (issue 11): a callback is answered by its
// state alone. A forged or reused state is refused before anything reaches
// Litmus; a state answers for the user it was issued to whatever the body
// says; only allowed redirect URIs get a state; a code Litmus refuses (bound
// to another redirect_uri, already redeemed) is invalid_grant and changes no
// user; a denial spends the state. "Nothing exchanged" is read at the fake.
// (Expiry is oauth_state_store's unit test, with an injected clock.)

#include "tests/integration/users_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

namespace {

using fake::fake_litmus;

constexpr std::string_view other_allowed_uri = "https://app.example/litmus/other-callback";

// The proxy with a users.redirect_uris allow-list, against its own fake.
struct csrf_proxy : users_proxy {
    csrf_proxy()
        : users_proxy("  redirect_uris:\n    - " + std::string(app_redirect_uri) + "\n    - " +
                      std::string(other_allowed_uri) + "\n")
    {
    }

    // authorization_code grants the fake received, whatever their outcome.
    std::size_t exchanges() const
    {
        auto t = fake.authorization_counts();
        return t.codes_exchanged + t.codes_refused;
    }
    double metric_of(std::string_view series) const { return metric(proxy.admin_port(), series); }
};

http_reply callback_with(http_client& c, const json::object& body) { return post_json(c, "/_litmus/oauth/callback", body); }

// The authorize URL with its redirect_uri parameter replaced by `uri`, as an
// attacker who rewrote the link would send the victim.
std::string with_redirect_uri(std::string url, std::string_view uri)
{
    auto at = url.find("redirect_uri=");
    BOOST_TEST_REQUIRE(at != std::string::npos, url);
    at += std::string_view("redirect_uri=").size();
    auto end = url.find('&', at);
    url.replace(at, end == std::string::npos ? std::string::npos : end - at, uri);
    return url;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(users_csrf_test)

BOOST_AUTO_TEST_CASE(a_forged_state_is_refused_and_nothing_is_exchanged)
{
    csrf_proxy p;
    auto genuine = authorize_and_browse(p.app, p.fake, "u-1", "alice");
    BOOST_TEST_REQUIRE(genuine.redirect.code.has_value());
    const std::string code = *genuine.redirect.code;

    for (const std::string& forged :
         {std::string("forged"), std::string(43, 'A'), genuine.state + "x", genuine.state.substr(1)}) {
        auto r = callback_with(p.app, {{"state", forged}, {"code", code}});
        BOOST_TEST(r.status == 400u, forged << ": " << r.body);
        BOOST_TEST(error_of(r) == "invalid_state", forged << ": " << r.body);
        check_no_secret(r, p.fake, code);
    }
    BOOST_TEST(p.exchanges() == 0u);
    BOOST_TEST(user_status(p.app, "u-1").status == 404u);

    // The forgeries spent nothing: the genuine state and code still connect the user.
    auto ok = relay_callback(p.app, genuine.redirect);
    BOOST_TEST_REQUIRE(ok.status == 200u, ok.body);
    BOOST_TEST(ok.json().at("user").as_string() == "u-1");
    BOOST_TEST(p.exchanges() == 1u);
}

BOOST_AUTO_TEST_CASE(a_reused_state_is_refused_and_nothing_is_exchanged)
{
    csrf_proxy p;
    auto first = authorize_and_browse(p.app, p.fake, "u-1", "alice");
    BOOST_TEST_REQUIRE(relay_callback(p.app, first.redirect).status == 200u);
    BOOST_TEST(p.exchanges() == 1u);

    // The same callback again (a replay), then the same state with a fresh
    // code from following the same link again.
    auto replay = relay_callback(p.app, first.redirect);
    BOOST_TEST(replay.status == 400u, replay.body);
    BOOST_TEST(error_of(replay) == "invalid_state", replay.body);
    auto again = open_authorize_url(p.fake, first.authorize_url, "bob");
    BOOST_TEST_REQUIRE(again.code.has_value(), again.location);
    auto reused = relay_callback(p.app, again);
    BOOST_TEST(reused.status == 400u, reused.body);
    BOOST_TEST(error_of(reused) == "invalid_state", reused.body);

    BOOST_TEST(p.exchanges() == 1u);
    BOOST_TEST(p.fake.user_counts("bob").codes_exchanged == 0u);
    // u-1 is still alice.
    BOOST_TEST(user_id_of(get_as(p.app, "u-1")) == fake_litmus::user_profile_of("alice").id);
}

BOOST_AUTO_TEST_CASE(a_state_answers_for_its_own_user_whatever_the_body_names)
{
    csrf_proxy p;
    auto for_alice = authorize_and_browse(p.app, p.fake, "u-alice", "alice");
    auto for_bob = authorize_and_browse(p.app, p.fake, "u-bob", "bob");
    BOOST_TEST_REQUIRE(for_bob.redirect.code.has_value());

    // bob's state and code, with a body naming another user and redirect URI.
    auto r = callback_with(p.app, {{"state", *for_bob.redirect.state},
                                   {"code", *for_bob.redirect.code},
                                   {"user", "u-alice"},
                                   {"redirect_uri", "https://evil.example/cb"}});
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(r.json().at("user").as_string() == "u-bob");
    BOOST_TEST(r.json().at("litmus_user").at("id").as_string() == litmus_id_text("bob"));
    BOOST_TEST(user_status(p.app, "u-alice").status == 404u);
    BOOST_TEST(user_id_of(get_as(p.app, "u-bob")) == fake_litmus::user_profile_of("bob").id);
    BOOST_TEST(get_as(p.app, "u-alice").status == 401u);
    // The exchange sent the state's redirect_uri, not the body's.
    auto grants = p.fake.token_requests();
    auto exchange = std::find_if(grants.begin(), grants.end(), [](const auto& g) {
        return g.body.find("authorization_code") != std::string::npos;
    });
    BOOST_TEST_REQUIRE((exchange != grants.end()));
    BOOST_TEST(json::parse(exchange->body).at("redirect_uri").as_string() == app_redirect_uri);

    // alice's own state still connects alice's app user, and only that.
    auto alice = relay_callback(p.app, for_alice.redirect);
    BOOST_TEST_REQUIRE(alice.status == 200u, alice.body);
    BOOST_TEST(alice.json().at("user").as_string() == "u-alice");
    BOOST_TEST(user_id_of(get_as(p.app, "u-bob")) == fake_litmus::user_profile_of("bob").id);
    BOOST_TEST(p.exchanges() == 2u);
}

BOOST_AUTO_TEST_CASE(a_redirect_uri_off_the_allow_list_gets_no_state)
{
    csrf_proxy p;
    const double started = p.metric_of(R"(litmus_proxy_user_authorizations_total{outcome="started"})");
    for (std::string_view uri : {"https://evil.example/litmus/callback", "https://app.example/litmus/callback/",
                                 "https://app.example/litmus/callback?x=1", "http://app.example/litmus/callback"}) {
        auto r = start_authorization(p.app, "u-1", uri);
        BOOST_TEST(r.status == 400u, uri << ": " << r.body);
        BOOST_TEST(error_of(r) == "redirect_uri_not_allowed", uri << ": " << r.body);
        BOOST_TEST(r.body.find("authorize_url") == std::string::npos);
    }
    BOOST_TEST(p.metric_of(R"(litmus_proxy_user_authorizations_total{outcome="started"})") == started);
    // Both listed URIs are accepted.
    BOOST_TEST(start_authorization(p.app, "u-1", app_redirect_uri).status == 200u);
    BOOST_TEST(start_authorization(p.app, "u-1", other_allowed_uri).status == 200u);
    BOOST_TEST(p.fake.authorize_requests().empty());
}

BOOST_AUTO_TEST_CASE(a_code_bound_to_another_redirect_uri_is_invalid_grant)
{
    csrf_proxy p;
    auto started = start_authorization(p.app, "u-1", app_redirect_uri);
    BOOST_TEST_REQUIRE(started.status == 200u, started.body);
    const std::string state(started.json().at("state").as_string());
    // The link rewritten to send the code elsewhere: Litmus binds the code to that URI.
    auto rewritten = with_redirect_uri(std::string(started.json().at("authorize_url").as_string()),
                                       "https%3A%2F%2Fevil.example%2Fcb");
    auto redirect = open_authorize_url(p.fake, rewritten, "alice");
    BOOST_TEST_REQUIRE(redirect.code.has_value(), redirect.location);
    BOOST_TEST_REQUIRE(redirect.location.starts_with("https://evil.example/cb?"), redirect.location);

    auto r = relay_callback(p.app, redirect);
    BOOST_TEST(r.status == 400u, r.body);
    BOOST_TEST(error_of(r) == "invalid_grant", r.body);
    check_no_secret(r, p.fake, *redirect.code);
    BOOST_TEST(p.fake.authorization_counts().codes_refused == 1u);
    BOOST_TEST(p.fake.authorization_counts().codes_exchanged == 0u);
    BOOST_TEST(user_status(p.app, "u-1").status == 404u);
    BOOST_TEST(p.metric_of(R"(litmus_proxy_user_code_exchanges_total{outcome="refused"})") == 1.0);
    // The state was spent.
    auto again = relay_callback(p.app, redirect);
    BOOST_TEST(error_of(again) == "invalid_state", again.body);
    BOOST_TEST(p.exchanges() == 1u);
}

BOOST_AUTO_TEST_CASE(a_redeemed_code_is_invalid_grant_and_the_user_stays_as_before)
{
    csrf_proxy p;
    auto first = authorize_and_browse(p.app, p.fake, "u-1", "alice");
    BOOST_TEST_REQUIRE(relay_callback(p.app, first.redirect).status == 200u);

    // A new authorization of the same app user, completed with the old code.
    auto second = authorize_and_browse(p.app, p.fake, "u-1", "bob");
    authorize_redirect stale = second.redirect;
    stale.code = first.redirect.code;
    auto r = relay_callback(p.app, stale);
    BOOST_TEST(r.status == 400u, r.body);
    BOOST_TEST(error_of(r) == "invalid_grant", r.body);
    check_no_secret(r, p.fake, *first.redirect.code);
    BOOST_TEST(p.fake.authorization_counts().codes_refused == 1u);

    // u-1 is still connected as alice and served.
    auto status = user_status(p.app, "u-1");
    BOOST_TEST_REQUIRE(status.status == 200u, status.body);
    BOOST_TEST(status.json().at("connected").as_bool());
    BOOST_TEST(status.json().at("litmus_user").at("id").as_string() == litmus_id_text("alice"));
    BOOST_TEST(user_id_of(get_as(p.app, "u-1")) == fake_litmus::user_profile_of("alice").id);
    BOOST_TEST(p.fake.user_counts("bob").codes_exchanged == 0u);
}

BOOST_AUTO_TEST_CASE(a_denial_is_access_denied_and_spends_the_state)
{
    csrf_proxy p;
    p.fake.deny_authorizations(true);
    auto denied = authorize_and_browse(p.app, p.fake, "u-1", "alice");
    BOOST_TEST_REQUIRE(denied.redirect.error.value_or("") == "access_denied", denied.redirect.location);
    BOOST_TEST_REQUIRE(!denied.redirect.code.has_value());

    auto r = relay_callback(p.app, denied.redirect);
    BOOST_TEST(r.status == 400u, r.body);
    BOOST_TEST(error_of(r) == "access_denied", r.body);
    BOOST_TEST(p.fake.authorization_counts().denied == 1u);
    BOOST_TEST(p.exchanges() == 0u);
    BOOST_TEST(user_status(p.app, "u-1").status == 404u);
    BOOST_TEST(p.metric_of(R"(litmus_proxy_user_authorizations_total{outcome="denied"})") == 1.0);

    // The state is spent: a code presented with it later is not exchanged.
    p.fake.deny_authorizations(false);
    auto later = open_authorize_url(p.fake, denied.authorize_url, "alice");
    BOOST_TEST_REQUIRE(later.code.has_value(), later.location);
    auto replay = relay_callback(p.app, later);
    BOOST_TEST(error_of(replay) == "invalid_state", replay.body);
    BOOST_TEST(p.exchanges() == 0u);
}

BOOST_AUTO_TEST_CASE(a_token_endpoint_failure_during_the_exchange_stores_nothing)
{
    csrf_proxy p;
    auto browsed = authorize_and_browse(p.app, p.fake, "u-1", "alice");
    BOOST_TEST_REQUIRE(browsed.redirect.code.has_value());
    p.fake.set_token_mode(fake::endpoint_mode::fail_500);
    auto r = relay_callback(p.app, browsed.redirect);
    BOOST_TEST(r.status == 502u, r.body);
    BOOST_TEST(error_of(r) == "code_exchange_failed", r.body);
    check_no_secret(r, p.fake, *browsed.redirect.code);
    BOOST_TEST(p.exchanges() == 0u);  // the fake answered 500 without looking at the code
    BOOST_TEST(user_status(p.app, "u-1").status == 404u);
    BOOST_TEST(p.metric_of(R"(litmus_proxy_user_code_exchanges_total{outcome="failed"})") == 1.0);
    BOOST_TEST(p.metric_of(R"(litmus_proxy_user_authorizations_total{outcome="completed"})") == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

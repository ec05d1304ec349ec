// Checks the fake Litmus itself (tests/support): if the fake lies, every
// integration test built on it proves nothing. Real TLS with verification
// against the fake's run-time CA, on 127.0.0.1 port 0.

#include "tests/support/child_process.hpp"
#include "tests/support/fake_browser.hpp"
#include "tests/support/fake_litmus.hpp"
#include "tests/support/litmus_answers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"
#include "tests/support/test_https_client.hpp"
#include "tests/unit/scoped_env.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <future>
#include <regex>

namespace litmus {
namespace {

using namespace std::chrono_literals;
using fake::endpoint_mode;
using fake::fake_litmus;
using fake::fake_options;
using test::header_list;
using test::https_request;
using test::https_response;

constexpr auto wait_limit = 5s;

const header_list json_type{{"Content-Type", "application/json"}};

std::string client_credentials_body(std::string_view id = "test-client", std::string_view secret = "test-secret")
{
    return json::serialize(
        json::object{{"grant_type", "client_credentials"}, {"client_id", id}, {"client_secret", secret}});
}

https_response post_token(const fake_litmus& f, const std::string& body, const header_list& headers = json_type)
{
    return https_request(f.port(), f.ca_file(), "litmus.com", "POST", "/oauth/token", headers, body);
}

std::string fetch_token(const fake_litmus& f)
{
    auto r = post_token(f, client_credentials_body());
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    return std::string(r.json().at("access_token").as_string());
}

https_response api_get(const fake_litmus& f, std::string_view target, const std::string& token,
                       const std::string& host = "api.litmus.com")
{
    header_list h;
    if (!token.empty())
        h.emplace_back("Authorization", "Bearer " + token);
    return https_request(f.port(), f.ca_file(), host, "GET", target, h);
}

// The "error" of an error answer; for anything else a marker with the status,
// so a wrong answer fails the check that reads it rather than throwing.
std::string error_of(const https_response& r)
{
    error_code ec;
    json::value v = json::parse(r.body, ec);
    if (!ec && v.is_object())
        if (const json::value* e = v.get_object().if_contains("error"); e && e->is_string())
            return std::string(e->get_string());
    return "<no error, status " + std::to_string(r.status) + ">";
}

std::string refresh_body(const std::string& refresh_token)
{
    return json::serialize(json::object{{"grant_type", "refresh_token"},
                                        {"refresh_token", refresh_token},
                                        {"client_id", "test-client"},
                                        {"client_secret", "test-secret"}});
}

// --- the authorization-code flow ---

constexpr std::string_view app_callback = "http://127.0.0.1:9/callback";

/// The URL a partner app (the proxy) sends the browser to; `extra` is
/// appended as is ("&redirect_uri=…").
std::string authorize_url(std::string_view state, std::string_view extra = {},
                          std::string_view client_id = "test-client")
{
    return "https://litmus.com/oauth/authorize?response_type=code&client_id=" + std::string(client_id) +
           "&state=" + std::string(state) + "&scope=full" + std::string(extra);
}

std::string with_redirect(std::string_view uri) { return "&redirect_uri=" + std::string(uri); }

std::string code_body(std::string_view code, std::optional<std::string_view> redirect_uri,
                      std::string_view client_id = "test-client", std::string_view secret = "test-secret")
{
    json::object body{{"grant_type", "authorization_code"},
                      {"code", code},
                      {"client_id", client_id},
                      {"client_secret", secret}};
    if (redirect_uri)
        body["redirect_uri"] = *redirect_uri;
    return json::serialize(body);
}

/// A code for `login`, bound to app_callback.
std::string code_for(const fake_litmus& f, std::string_view login)
{
    auto r = test::open_authorize_url(f, authorize_url("s-" + std::string(login), with_redirect(app_callback)), login);
    BOOST_TEST_REQUIRE(r.response.status == 302u, r.response.body);
    BOOST_TEST_REQUIRE(r.code.has_value(), r.location);
    return *r.code;
}

struct user_tokens {
    std::string access;
    std::string refresh;
    json::object answer;
};

user_tokens tokens_of(const https_response& r)
{
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    auto body = r.json().as_object();
    return {std::string(body.at("access_token").as_string()), std::string(body.at("refresh_token").as_string()),
            body};
}

/// The whole flow for `login`: authorize, then exchange the code.
user_tokens connect_user(const fake_litmus& f, std::string_view login)
{
    return tokens_of(post_token(f, code_body(code_for(f, login), app_callback)));
}

BOOST_AUTO_TEST_SUITE(fake_litmus_test)

BOOST_AUTO_TEST_CASE(client_credentials_json_body_issues_a_bearer_token)
{
    fake_litmus f;
    auto r = post_token(f, client_credentials_body());
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.header("content-type") == "application/json");
    BOOST_TEST(r.header("cache-control") == "no-store");
    auto body = r.json().as_object();
    const std::string token(body.at("access_token").as_string());
    BOOST_TEST(std::regex_match(token, std::regex("fk_[0-9a-f]{32}")));
    BOOST_TEST(body.at("token_type").as_string() == "Bearer");
    BOOST_TEST(body.at("expires_in").as_int64() == 7200);
    BOOST_TEST(body.contains("created_at"));  // the extra field clients must ignore
    BOOST_TEST(!body.contains("refresh_token"));
    BOOST_TEST(f.issued_tokens() == std::vector<std::string>{token});
    BOOST_TEST(f.token_request_count() == 1u);
}

BOOST_AUTO_TEST_CASE(token_endpoint_rejects_form_bodies_bad_secrets_and_wrong_hosts)
{
    fake_litmus f;
    auto form = post_token(f, "grant_type=client_credentials&client_id=test-client&client_secret=test-secret",
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST(form.status == 400u);
    BOOST_TEST(error_of(form) == "invalid_request");

    auto bad = post_token(f, client_credentials_body("test-client", "wrong"));
    BOOST_TEST(bad.status == 401u);
    BOOST_TEST(error_of(bad) == "invalid_client");
    BOOST_TEST(bad.json().as_object().contains("error_description"));

    auto misdirected = https_request(f.port(), f.ca_file(), "api.litmus.com", "POST", "/oauth/token", json_type,
                                     client_credentials_body());
    BOOST_TEST(misdirected.status == 421u);

    f.set_credentials("other-client", "other-secret");
    BOOST_TEST(post_token(f, client_credentials_body()).status == 401u);
    BOOST_TEST(post_token(f, client_credentials_body("other-client", "other-secret")).status == 200u);
    BOOST_TEST(f.issued_tokens().size() == 1u);
}

BOOST_AUTO_TEST_CASE(ping_echoes_the_token_and_api_rejects_missing_or_unknown_tokens)
{
    fake_litmus f;
    const std::string token = fetch_token(f);
    auto ping = api_get(f, "/v3/ping/authenticated", token);
    BOOST_TEST(ping.status == 200u);
    auto meta = ping.json().at("meta").as_object();
    BOOST_TEST(meta.at("ping").as_string() == "pong");
    auto access = meta.at("accessToken").as_object();
    BOOST_TEST(access.at("token").as_string() == token);
    BOOST_TEST(access.at("expiresInSeconds").as_int64() > 7100);
    BOOST_TEST(access.at("expiresInSeconds").as_int64() <= 7200);
    BOOST_TEST(json::serialize(access.at("scopes")) == R"(["full"])");
    BOOST_TEST(meta.at("application").at("name").as_string() == fake::application_name);
    BOOST_TEST(!meta.at("application").at("uid").as_string().empty());

    auto none = api_get(f, "/v3/ping/authenticated", "");
    BOOST_TEST(none.status == 401u);
    BOOST_TEST(error_of(none) == "unauthorized");
    BOOST_TEST(api_get(f, "/v3/ping/authenticated", "fk_00000000000000000000000000000000").status == 401u);
    BOOST_TEST(api_get(f, "/v3/ping/authenticated", token, "instant-api.litmus.com").status == 421u);
}

BOOST_AUTO_TEST_CASE(user_and_client_settings_answer_in_the_documented_shapes)
{
    fake_litmus f;
    const std::string token = fetch_token(f);
    auto user = api_get(f, "/v2/users/current", token);
    BOOST_TEST_REQUIRE(user.status == 200u);
    auto u = user.json().at("user").as_object();
    BOOST_TEST(u.at("id").as_int64() == fake_litmus::user_id_for_client("test-client"));
    BOOST_TEST(u.at("first_name").as_string() == "Test");
    BOOST_TEST(u.at("full_name").as_string() == "Test User");
    BOOST_TEST(user.json().as_object().size() == 1u);

    auto clients = api_get(f, "/v2/user_settings/clients", token);
    BOOST_TEST_REQUIRE(clients.status == 200u);
    auto list = clients.json().at("clients").as_array();
    BOOST_TEST_REQUIRE(!list.empty());
    BOOST_TEST(list.at(0).at("code").as_string() == "APPMAIL5");
    for (const auto& c : list)
        BOOST_TEST(!c.at("code").as_string().empty());

    auto url = api_get(f, "/v2/user_settings/clients/configuration_url", token);
    BOOST_TEST_REQUIRE(url.status == 200u);
    BOOST_TEST(std::regex_match(std::string(url.json().at("configuration_url").as_string()),
                                std::regex("https://litmus\\.com/ensured_user/[0-9a-f]{32}")));

    BOOST_TEST(api_get(f, "/v2/user_settings/clients", "").status == 401u);
    BOOST_TEST(api_get(f, "/v2/user_settings/clients", token, "instant-api.litmus.com").status == 421u);
    BOOST_TEST(api_get(f, "/v1/emails", token, "api.litmus.com").status == 421u);
}

BOOST_AUTO_TEST_CASE(json_answers_are_gzipped_only_when_the_request_accepts_it)
{
    fake_litmus f;
    const std::string token = fetch_token(f);
    const header_list bearer{{"Authorization", "Bearer " + token}};
    auto plain = https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/v2/users/current", bearer);
    BOOST_TEST_REQUIRE(plain.status == 200u);
    BOOST_TEST(plain.header("content-encoding") == "");
    BOOST_TEST(plain.header("vary") == "Accept-Encoding");

    header_list gzip = bearer;
    gzip.emplace_back("Accept-Encoding", "gzip, deflate");
    auto zipped = https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/v2/users/current", gzip);
    BOOST_TEST_REQUIRE(zipped.status == 200u);
    BOOST_TEST(zipped.header("content-encoding") == "gzip");
    BOOST_TEST(zipped.header("vary") == "Accept-Encoding");
    BOOST_TEST(zipped.body.substr(0, 2) == std::string("\x1f\x8b"));  // the gzip magic, not JSON
    BOOST_TEST(zipped.body != plain.body);

    header_list refused = bearer;
    refused.emplace_back("Accept-Encoding", "gzip;q=0, identity");
    BOOST_TEST(https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/v2/users/current", refused)
                   .header("content-encoding") == "");

    // Not JSON: the benchmark's bytes stay as they are whatever is accepted.
    auto bytes = https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/bench/bytes/64", gzip);
    BOOST_TEST(bytes.header("content-encoding") == "");
    BOOST_TEST(bytes.body == std::string(64, 'x'));

    f.set_compression(fake::compression::off);
    auto off = https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/v2/users/current", gzip);
    BOOST_TEST(off.header("content-encoding") == "");
    BOOST_TEST(off.header("vary") == "");
}

BOOST_AUTO_TEST_CASE(revoked_and_expired_tokens_get_401)
{
    fake_litmus f;
    const std::string first = fetch_token(f);
    BOOST_TEST(api_get(f, "/v2/users/current", first).status == 200u);
    f.revoke_all_tokens();
    BOOST_TEST(api_get(f, "/v2/users/current", first).status == 401u);
    const std::string second = fetch_token(f);
    BOOST_TEST(second != first);
    BOOST_TEST(api_get(f, "/v2/users/current", second).status == 200u);

    // expires_in 0: expired the moment it is issued, without waiting.
    f.set_expires_in(0);
    BOOST_TEST(api_get(f, "/v2/users/current", fetch_token(f)).status == 401u);

    f.set_expires_in(std::nullopt);
    auto r = post_token(f, client_credentials_body());
    BOOST_TEST(!r.json().as_object().contains("expires_in"));
    auto ping = api_get(f, "/v3/ping/authenticated", std::string(r.json().at("access_token").as_string()));
    BOOST_TEST(ping.json().at("meta").at("accessToken").at("expiresInSeconds").is_null());
}

BOOST_AUTO_TEST_CASE(refresh_grant_rotates_refresh_tokens)
{
    fake_options opts;
    opts.issue_refresh_tokens = true;
    fake_litmus f(opts);
    auto first = post_token(f, client_credentials_body()).json().as_object();
    const std::string refresh1(first.at("refresh_token").as_string());

    auto second = post_token(f, refresh_body(refresh1));
    BOOST_TEST_REQUIRE(second.status == 200u);
    const std::string refresh2(second.json().at("refresh_token").as_string());
    BOOST_TEST(refresh2 != refresh1);
    BOOST_TEST(second.json().at("access_token").as_string() != first.at("access_token").as_string());

    auto reused = post_token(f, refresh_body(refresh1));
    BOOST_TEST(reused.status == 400u);
    BOOST_TEST(error_of(reused) == "invalid_grant");

    f.refuse_refresh(true);
    BOOST_TEST(error_of(post_token(f, refresh_body(refresh2))) == "invalid_grant");
    f.refuse_refresh(false);
    f.revoke_all_tokens();
    BOOST_TEST(post_token(f, refresh_body(refresh2)).status == 400u);
    BOOST_TEST(f.issued_refresh_tokens() == (std::vector<std::string>{refresh1, refresh2}));
}

BOOST_AUTO_TEST_CASE(authorization_code_flow_gives_each_user_their_own_identity)
{
    fake_litmus f;
    const auto alice_profile = fake_litmus::user_profile_of("alice");
    const auto bob_profile = fake_litmus::user_profile_of("bob");
    BOOST_TEST(alice_profile.id != bob_profile.id);
    BOOST_TEST(alice_profile.id != fake_litmus::user_id_for_client("test-client"));

    auto redirect = test::open_authorize_url(f, authorize_url("xyz-1", with_redirect(app_callback)), "alice");
    BOOST_TEST_REQUIRE(redirect.response.status == 302u, redirect.response.body);
    BOOST_TEST(redirect.response.header("cache-control") == "no-store");
    BOOST_TEST(redirect.location.starts_with(std::string(app_callback) + "?code=fc_"), redirect.location);
    BOOST_TEST(redirect.state.value_or("") == "xyz-1");
    BOOST_TEST(!redirect.error.has_value());
    BOOST_TEST_REQUIRE(redirect.code.has_value());
    BOOST_TEST(std::regex_match(*redirect.code, std::regex("fc_[0-9a-f]{32}")));

    auto exchanged = post_token(f, code_body(*redirect.code, app_callback));
    BOOST_TEST(exchanged.header("cache-control") == "no-store");
    const user_tokens alice = tokens_of(exchanged);
    BOOST_TEST(alice.answer.at("expires_in").as_int64() == 7200);
    BOOST_TEST(alice.answer.at("token_type").as_string() == "Bearer");
    const user_tokens bob = connect_user(f, "bob");
    BOOST_TEST(alice.access != bob.access);
    BOOST_TEST(alice.refresh != bob.refresh);
    BOOST_TEST(f.login_of_token(alice.access).value_or("<none>") == "alice");
    BOOST_TEST(f.login_of_token(bob.refresh).value_or("<none>") == "bob");

    auto alice_me = api_get(f, "/v2/users/current", alice.access);
    BOOST_TEST_REQUIRE(alice_me.status == 200u, alice_me.body);
    auto u = alice_me.json().at("user").as_object();
    BOOST_TEST(u.at("id").as_int64() == alice_profile.id);
    BOOST_TEST(u.at("full_name").as_string() == "Alice User");
    BOOST_TEST(u.at("first_name").as_string() == "Alice");
    BOOST_TEST(u.at("email").as_string() == "alice@example.com");
    BOOST_TEST(f.last_login("/v2/users/current").value_or("<none>") == "alice");

    auto bob_me = api_get(f, "/v2/users/current", bob.access);
    BOOST_TEST(bob_me.json().at("user").at("id").as_int64() == bob_profile.id);
    BOOST_TEST(bob_me.json().at("user").at("full_name").as_string() == "Bob User");
    BOOST_TEST(f.last_login("/v2/users/current").value_or("<none>") == "bob");

    // The other user endpoints answer for the token's user too.
    for (std::string_view path : {"/v2/user_settings/clients", "/v2/user_settings/clients/configuration_url"}) {
        BOOST_TEST(api_get(f, path, alice.access).json().at("user_id").as_int64() == alice_profile.id, path);
        BOOST_TEST(api_get(f, path, bob.access).json().at("user_id").as_int64() == bob_profile.id, path);
        BOOST_TEST(f.last_login(path).value_or("<none>") == "bob", path);
    }
    auto post_email = https_request(f.port(), f.ca_file(), "instant-api.litmus.com", "POST", "/v1/emails",
                                    {{"Authorization", "Bearer " + alice.access}, {"Content-Type", "application/json"}},
                                    R"({"subject":"hi"})");
    BOOST_TEST_REQUIRE(post_email.status == 200u);
    const auto guid = post_email.json().at("email_guid");
    auto alice_emails = api_get(f, "/v1/emails", alice.access, "instant-api.litmus.com").json();
    BOOST_TEST(alice_emails.at("user_id").as_int64() == alice_profile.id);
    BOOST_TEST(json::serialize(alice_emails.at("emails")) == json::serialize(json::array{json::object{{"email_guid", guid}}}));
    auto bob_emails = api_get(f, "/v1/emails", bob.access, "instant-api.litmus.com").json();
    BOOST_TEST(bob_emails.at("user_id").as_int64() == bob_profile.id);
    BOOST_TEST(bob_emails.at("emails").as_array().empty());

    // A client-credentials token acts for the client's own account.
    const std::string client_token = fetch_token(f);
    BOOST_TEST(!f.login_of_token(client_token).has_value());
    BOOST_TEST(api_get(f, "/v2/users/current", client_token).json().at("user").at("id").as_int64() ==
               fake_litmus::user_id_for_client("test-client"));
    BOOST_TEST(f.last_login("/v2/users/current").value_or("<none>") == "");
    BOOST_TEST(!f.last_login("/v3/ping/authenticated").has_value());

    auto alice_counts = f.user_counts("alice");
    BOOST_TEST(alice_counts.codes_issued == 1u);
    BOOST_TEST(alice_counts.codes_exchanged == 1u);
    BOOST_TEST(alice_counts.api_requests == 5u);  // users/current, two settings, POST and GET emails
    BOOST_TEST(f.user_counts("bob").api_requests == 4u);
    BOOST_TEST(f.user_counts("carol").codes_issued == 0u);
    auto totals = f.authorization_counts();
    BOOST_TEST(totals.codes_issued == 2u);
    BOOST_TEST(totals.codes_exchanged == 2u);
    BOOST_TEST(totals.codes_refused == 0u);
    BOOST_TEST(f.authorize_requests().size() == 2u);
    BOOST_TEST(f.authorize_requests().front().target.find("login_as=alice") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(default_login_and_redirect_uri_apply_when_the_request_names_none)
{
    fake_litmus f;
    auto r = test::open_authorize_url(f, authorize_url("st"));
    BOOST_TEST_REQUIRE(r.code.has_value(), r.response.body);
    BOOST_TEST(r.location.starts_with(std::string(fake::fake_users::initial_redirect_uri) + "?code="), r.location);
    BOOST_TEST(f.login_of_token(connect_user(f, "bob").access).value_or("<none>") == "bob");

    f.set_default_login("carol");
    f.set_default_redirect_uri("https://app.example/other?keep=1");
    auto carol = test::open_authorize_url(f, authorize_url("st2"));
    BOOST_TEST_REQUIRE(carol.code.has_value());
    BOOST_TEST(carol.location.starts_with("https://app.example/other?keep=1&code="), carol.location);
    const user_tokens t = tokens_of(post_token(f, code_body(*carol.code, std::nullopt)));
    BOOST_TEST(f.login_of_token(t.access).value_or("<none>") == "carol");
    BOOST_TEST(f.user_counts("alice").codes_issued == 1u);  // the first, unexchanged, code
    BOOST_CHECK_THROW(f.set_default_login("no spaces"), std::invalid_argument);
    BOOST_CHECK_THROW(f.set_default_redirect_uri("/relative"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(authorization_codes_are_single_use_and_bound_to_client_and_redirect_uri)
{
    fake_litmus f;
    const std::string code = code_for(f, "alice");
    const std::string other_uri = "http://127.0.0.1:9/elsewhere";

    // Refused presentations leave the code as it was: each refusal is the binding's doing.
    BOOST_TEST(error_of(post_token(f, code_body(code, other_uri))) == "invalid_grant");
    BOOST_TEST(error_of(post_token(f, code_body(code, std::nullopt))) == "invalid_grant");
    BOOST_TEST(error_of(post_token(f, code_body(code, std::string(app_callback) + "/"))) == "invalid_grant");
    auto first = post_token(f, code_body(code, app_callback));
    BOOST_TEST(first.status == 200u, first.body);
    auto reused = post_token(f, code_body(code, app_callback));
    BOOST_TEST(reused.status == 400u);
    BOOST_TEST(error_of(reused) == "invalid_grant");
    BOOST_TEST(error_of(post_token(f, code_body("fc_00000000000000000000000000000000", app_callback))) ==
               "invalid_grant");

    // A code authorized without redirect_uri must be exchanged without one.
    auto bare = test::open_authorize_url(f, authorize_url("st"), "bob");
    BOOST_TEST_REQUIRE(bare.code.has_value());
    BOOST_TEST(error_of(post_token(f, code_body(*bare.code, fake::fake_users::initial_redirect_uri))) ==
               "invalid_grant");
    BOOST_TEST(error_of(post_token(f, code_body(*bare.code, ""))) == "invalid_grant");
    BOOST_TEST(post_token(f, code_body(*bare.code, std::nullopt)).status == 200u);

    // Bound to the client it was issued to.
    const std::string for_test_client = code_for(f, "carol");
    f.set_credentials("other-client", "other-secret");
    BOOST_TEST(error_of(post_token(f, code_body(for_test_client, app_callback, "other-client", "other-secret"))) ==
               "invalid_grant");
    BOOST_TEST(post_token(f, code_body(for_test_client, app_callback)).status == 401u);  // old client is gone

    auto totals = f.authorization_counts();
    BOOST_TEST(totals.codes_issued == 3u);
    BOOST_TEST(totals.codes_exchanged == 2u);
    BOOST_TEST(totals.codes_refused == 8u);
    BOOST_TEST(f.user_counts("alice").codes_exchanged == 1u);
    BOOST_TEST(f.user_counts("carol").codes_exchanged == 0u);
}

BOOST_AUTO_TEST_CASE(authorization_codes_expire)
{
    fake_litmus f;
    f.set_code_lifetime(0ms);  // expired by the time it is presented
    const std::string stale = code_for(f, "alice");
    BOOST_TEST(error_of(post_token(f, code_body(stale, app_callback))) == "invalid_grant");

    f.set_code_lifetime(10min);
    BOOST_TEST(error_of(post_token(f, code_body(stale, app_callback))) == "invalid_grant");  // lifetime fixed at issue
    BOOST_TEST(post_token(f, code_body(code_for(f, "alice"), app_callback)).status == 200u);
}

BOOST_AUTO_TEST_CASE(authorize_refuses_bad_requests_and_redirects_denials)
{
    fake_litmus f;
    auto expect_refused = [&](const std::string& url, std::string_view error) {
        auto r = test::open_authorize_url(f, url, "alice");
        BOOST_TEST(r.response.status == 400u, url);
        BOOST_TEST(r.location.empty(), url);
        BOOST_TEST(error_of(r.response) == error, url);
    };
    expect_refused(authorize_url("s", {}, "stranger"), "invalid_client");
    expect_refused("https://litmus.com/oauth/authorize?response_type=code&state=s", "invalid_client");
    expect_refused("https://litmus.com/oauth/authorize?response_type=token&client_id=test-client",
                   "unsupported_response_type");
    expect_refused("https://litmus.com/oauth/authorize?client_id=test-client", "unsupported_response_type");
    expect_refused(authorize_url("s", "&state=again"), "invalid_request");
    expect_refused(authorize_url("s", with_redirect("/relative/callback")), "invalid_request");
    expect_refused(authorize_url("s", with_redirect("javascript:alert(1)")), "invalid_request");
    auto bad_login = test::open_authorize_url(f, authorize_url("s"), "not a login");
    BOOST_TEST(bad_login.response.status == 400u);

    auto scope = test::open_authorize_url(f, "https://litmus.com/oauth/authorize?response_type=code&client_id="
                                             "test-client&state=s1&scope=admin" + with_redirect(app_callback));
    BOOST_TEST(scope.response.status == 302u);
    BOOST_TEST(scope.error.value_or("") == "invalid_scope");
    BOOST_TEST(!scope.code.has_value());

    f.deny_authorizations(true);
    auto denied = test::open_authorize_url(f, authorize_url("st%20ate", with_redirect(app_callback)), "alice");
    BOOST_TEST(denied.response.status == 302u);
    BOOST_TEST(denied.location.starts_with(std::string(app_callback) + "?error=access_denied&state="), denied.location);
    BOOST_TEST(denied.error.value_or("") == "access_denied");
    BOOST_TEST(denied.state.value_or("") == "st ate");
    BOOST_TEST(!denied.code.has_value());
    f.deny_authorizations(false);
    BOOST_TEST(test::open_authorize_url(f, authorize_url("s"), "alice").code.has_value());

    BOOST_TEST(https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/oauth/authorize").status == 421u);
    BOOST_TEST(https_request(f.port(), f.ca_file(), "litmus.com", "POST", "/oauth/authorize").status == 405u);

    auto totals = f.authorization_counts();
    BOOST_TEST(totals.refused == 8u);
    BOOST_TEST(totals.denied == 1u);
    BOOST_TEST(totals.codes_issued == 1u);
    BOOST_TEST(f.user_counts("alice").codes_issued == 1u);
    BOOST_TEST(f.api_request_count() == 0u);  // the authorize page is no API request
    BOOST_TEST(f.token_request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(user_refresh_tokens_rotate_and_are_counted_per_user)
{
    fake_litmus f;
    f.set_rotate_refresh_tokens(false);  // client-credentials only: user tokens always rotate
    const user_tokens alice = connect_user(f, "alice");
    const user_tokens bob = connect_user(f, "bob");

    const user_tokens second = tokens_of(post_token(f, refresh_body(alice.refresh)));
    BOOST_TEST(second.refresh != alice.refresh);
    BOOST_TEST(second.access != alice.access);
    BOOST_TEST(f.login_of_token(second.access).value_or("<none>") == "alice");
    BOOST_TEST(api_get(f, "/v2/users/current", second.access).json().at("user").at("id").as_int64() ==
               fake_litmus::user_profile_of("alice").id);

    auto reused = post_token(f, refresh_body(alice.refresh));
    BOOST_TEST(reused.status == 400u);
    BOOST_TEST(error_of(reused) == "invalid_grant");
    BOOST_TEST(post_token(f, refresh_body(second.refresh)).status == 200u);

    auto alice_counts = f.user_counts("alice");
    BOOST_TEST(alice_counts.refreshes == 2u);
    BOOST_TEST(alice_counts.refreshes_refused == 1u);
    BOOST_TEST(f.user_counts("bob").refreshes == 0u);
    BOOST_TEST(f.user_counts("bob").refreshes_refused == 0u);

    // Per-user lifetime, on code exchange and on refresh alike.
    f.set_user_expires_in("bob", 60);
    BOOST_TEST(tokens_of(post_token(f, refresh_body(bob.refresh))).answer.at("expires_in").as_int64() == 60);
    BOOST_TEST(connect_user(f, "bob").answer.at("expires_in").as_int64() == 60);
    BOOST_TEST(connect_user(f, "alice").answer.at("expires_in").as_int64() == 7200);
    f.set_user_expires_in("alice", 0);
    const user_tokens expired = connect_user(f, "alice");
    BOOST_TEST(api_get(f, "/v2/users/current", expired.access).status == 401u);
    BOOST_TEST(f.user_counts("bob").refreshes == 1u);
}

BOOST_AUTO_TEST_CASE(revoking_a_user_cuts_only_their_tokens_until_they_authorize_again)
{
    fake_litmus f;
    const user_tokens alice = connect_user(f, "alice");
    const user_tokens bob = connect_user(f, "bob");
    BOOST_TEST(api_get(f, "/v2/users/current", alice.access).status == 200u);

    BOOST_TEST(f.revoke_user("alice") == 2u);  // one access token, one refresh token
    BOOST_TEST(f.revoke_user("alice") == 0u);
    auto denied = api_get(f, "/v2/users/current", alice.access);
    BOOST_TEST(denied.status == 401u);
    BOOST_TEST(error_of(denied) == "unauthorized");
    BOOST_TEST(error_of(post_token(f, refresh_body(alice.refresh))) == "invalid_grant");
    BOOST_TEST(f.user_counts("alice").refreshes_refused == 1u);
    BOOST_TEST(api_get(f, "/v2/users/current", bob.access).status == 200u);
    BOOST_TEST(post_token(f, refresh_body(bob.refresh)).status == 200u);

    const user_tokens again = connect_user(f, "alice");
    BOOST_TEST(api_get(f, "/v2/users/current", again.access).json().at("user").at("full_name").as_string() ==
               "Alice User");
    BOOST_TEST(post_token(f, refresh_body(again.refresh)).status == 200u);
}

BOOST_AUTO_TEST_CASE(expiring_a_user_token_early_keeps_the_refresh_token)
{
    fake_litmus f;
    const user_tokens alice = connect_user(f, "alice");
    const user_tokens bob = connect_user(f, "bob");
    BOOST_TEST(f.expire_user_tokens("alice") == 1u);
    BOOST_TEST(f.expire_user_tokens("alice") == 0u);
    BOOST_TEST(api_get(f, "/v2/users/current", alice.access).status == 401u);
    BOOST_TEST(api_get(f, "/v2/users/current", bob.access).status == 200u);

    const user_tokens refreshed = tokens_of(post_token(f, refresh_body(alice.refresh)));
    BOOST_TEST(api_get(f, "/v2/users/current", refreshed.access).status == 200u);
    BOOST_TEST(f.user_counts("alice").refreshes == 1u);
}

BOOST_AUTO_TEST_CASE(issued_codes_are_recorded_as_secrets)
{
    test::temp_dir dir;
    const std::string issued = dir.file("issued.txt");
    std::string code;
    {
        // The no-secrets run sets the variable for the whole suite: put it back.
        test::scoped_env env{{"LITMUS_FAKE_ISSUED_FILE", issued}};
        fake_litmus f;
        code = code_for(f, "alice");
    }
    std::ifstream in(issued);
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(in, line))
        lines.push_back(line);
    BOOST_TEST(lines == std::vector<std::string>{code});
}

BOOST_AUTO_TEST_CASE(raw_mode_returns_the_configured_bytes)
{
    fake_litmus f;
    f.set_token_mode(endpoint_mode::raw);
    f.set_raw_token_response(200, "text/html", "<html>not json {");
    auto r = post_token(f, client_credentials_body());
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.header("content-type") == "text/html");
    BOOST_TEST(r.body == "<html>not json {");
    BOOST_TEST(f.issued_tokens().empty());

    f.set_token_mode(endpoint_mode::fail_500);
    BOOST_TEST(post_token(f, client_credentials_body()).status == 500u);
    f.set_token_mode(endpoint_mode::normal);
    BOOST_TEST(post_token(f, client_credentials_body()).status == 200u);
}

BOOST_AUTO_TEST_CASE(records_hold_headers_decoded_bodies_and_connection_reuse)
{
    fake_litmus f;
    const std::string token = fetch_token(f);
    f.clear_records();

    test::https_connection conn(f.port(), f.ca_file(), "instant-api.litmus.com");
    auto email = conn.request("POST", "/v1/emails",
                              {{"Authorization", "Bearer " + token},
                               {"Content-Type", "application/json"},
                               {"X-Trace-Id", "abc123"}},
                              R"({"subject":"hi"})");
    BOOST_TEST(email.status == 200u);
    BOOST_TEST(std::regex_match(std::string(email.json().at("email_guid").as_string()),
                                std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
    BOOST_TEST(email.json().as_object().size() == 1u);

    // Chunked on the wire; recorded and echoed de-chunked.
    auto echo = conn.request("PUT", "/v1/anything?x=1%202",
                             {{"Authorization", "Bearer " + token}, {"Transfer-Encoding", "chunked"}},
                             "hello chunked body");
    BOOST_TEST(echo.status == 200u);
    BOOST_TEST(echo.json().at("body").as_string() == "hello chunked body");
    BOOST_TEST(echo.json().at("target").as_string() == "/v1/anything?x=1%202");
    BOOST_TEST(echo.json().at("method").as_string() == "PUT");

    auto records = f.api_requests();
    BOOST_TEST_REQUIRE(records.size() == 2u);
    BOOST_TEST(records[0].method == "POST");
    BOOST_TEST(records[0].host == "instant-api.litmus.com");
    BOOST_TEST(records[0].header("x-trace-id") == "abc123");
    BOOST_TEST(records[0].bearer_token() == token);
    BOOST_TEST(records[0].body == R"({"subject":"hi"})");
    BOOST_TEST(records[0].sni == "instant-api.litmus.com");
    BOOST_TEST(records[1].body == "hello chunked body");
    BOOST_TEST(records[1].header("TRANSFER-ENCODING") == "chunked");
    BOOST_TEST(records[1].path() == "/v1/anything");
    BOOST_TEST(records[0].connection_id == records[1].connection_id);
    BOOST_TEST((records[0].at <= records[1].at));
    BOOST_TEST(f.token_requests().empty());
    BOOST_TEST(f.request_count() == 2u);
}

BOOST_AUTO_TEST_CASE(hold_mode_answers_only_when_released)
{
    fake_litmus f;
    f.set_token_mode(endpoint_mode::hold);
    std::vector<std::future<https_response>> callers;
    for (int i = 0; i < 3; ++i)
        callers.push_back(std::async(std::launch::async, [&] { return post_token(f, client_credentials_body()); }));
    BOOST_TEST_REQUIRE(f.wait_for_token_requests(3, wait_limit));
    for (auto& c : callers)
        BOOST_TEST((c.wait_for(0ms) == std::future_status::timeout));  // held, not answered
    f.set_token_mode(endpoint_mode::normal);
    f.release_held();
    for (auto& c : callers) {
        auto r = c.get();
        BOOST_TEST(r.status == 200u, r.failed_at << ": " << r.ec.message());
    }
    BOOST_TEST(f.issued_tokens().size() == 3u);
}

BOOST_AUTO_TEST_CASE(revoking_one_token_leaves_the_others_valid)
{
    fake_litmus f;
    const std::string first = fetch_token(f);
    const std::string second = fetch_token(f);
    BOOST_TEST(f.revoke_token(first));
    BOOST_TEST(!f.revoke_token("fk_never_issued"));
    BOOST_TEST(api_get(f, "/v3/ping/authenticated", first).status == 401u);
    BOOST_TEST(api_get(f, "/v3/ping/authenticated", second).status == 200u);
}

BOOST_AUTO_TEST_CASE(bench_endpoint_returns_exactly_n_bytes)
{
    fake_litmus f;
    auto r = api_get(f, "/bench/bytes/100000", "");
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.body.size() == 100000u);
    BOOST_TEST(r.header("content-type") == "application/octet-stream");
    BOOST_TEST(api_get(f, "/bench/bytes/99999999", "").status == 400u);
}

BOOST_AUTO_TEST_CASE(close_and_reset_modes_record_then_hang_up)
{
    fake_litmus f;
    const std::string token = fetch_token(f);
    f.set_api_mode(endpoint_mode::close);
    auto closed = api_get(f, "/v3/ping/authenticated", token);
    BOOST_TEST(closed.status == 0u);
    BOOST_TEST(closed.failed_at == "read");
    BOOST_TEST((closed.ec != beast::error::timeout));

    f.set_api_mode(endpoint_mode::reset);
    auto reset = api_get(f, "/v3/ping/authenticated", token);
    BOOST_TEST(reset.failed_at == "read");
    BOOST_TEST((reset.ec != beast::error::timeout));

    f.set_api_mode(endpoint_mode::fail_500);
    BOOST_TEST(api_get(f, "/v3/ping/authenticated", token).status == 500u);
    BOOST_TEST(f.api_requests().size() == 3u);
}

BOOST_AUTO_TEST_CASE(stalled_requests_end_when_connections_are_dropped)
{
    fake_litmus f;
    const std::string token = fetch_token(f);
    f.set_api_mode(endpoint_mode::stall);
    auto pending = std::async(std::launch::async, [&] { return api_get(f, "/v3/ping/authenticated", token); });
    BOOST_TEST_REQUIRE(f.wait_for_api_requests(1, wait_limit));
    BOOST_TEST((pending.wait_for(0ms) == std::future_status::timeout));  // still stalled
    f.drop_connections();
    auto r = pending.get();
    BOOST_TEST(r.status == 0u);
    BOOST_TEST(r.failed_at == "read");
    BOOST_TEST((r.ec != beast::error::timeout));
}

BOOST_AUTO_TEST_CASE(destructor_closes_keep_alive_and_stalled_connections)
{
    auto f = std::make_unique<fake_litmus>();
    const std::string token = fetch_token(*f);
    test::https_connection idle(f->port(), f->ca_file(), "api.litmus.com");
    BOOST_TEST(idle.request("GET", "/v3/ping/authenticated", {{"Authorization", "Bearer " + token}}).status == 200u);
    f->set_api_mode(endpoint_mode::stall);
    auto stalled = std::async(std::launch::async, [&, port = f->port(), ca = f->ca_file()] {
        return https_request(port, ca, "api.litmus.com", "GET", "/x", {{"Authorization", "Bearer " + token}});
    });
    BOOST_TEST_REQUIRE(f->wait_for_api_requests(2, wait_limit));
    BOOST_TEST(f->open_connections() >= 2u);  // the token fetch connection may still be closing
    const std::string ca_file = f->ca_file();

    const auto start = std::chrono::steady_clock::now();
    f.reset();
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
    auto r = stalled.get();
    BOOST_TEST(r.failed_at == "read");
    BOOST_TEST((r.ec != beast::error::timeout));
    BOOST_TEST(!std::filesystem::exists(ca_file));
}

BOOST_AUTO_TEST_CASE(malformed_input_closes_the_connection_and_the_fake_keeps_serving)
{
    fake_litmus f;
    {
        // Plain text on the TLS port: the handshake fails and the fake hangs up
        // (a TLS alert at most, never an HTTP answer).
        net::io_context ioc;
        tcp::socket plain(ioc);
        plain.connect({net::ip::make_address("127.0.0.1"), f.port()});
        net::write(plain, net::buffer(std::string_view("GET / HTTP/1.1\r\nHost: api.litmus.com\r\n\r\n")));
        std::string got;
        error_code ec;
        net::read(plain, net::dynamic_buffer(got), ec);
        BOOST_TEST((ec == net::error::eof || ec == net::error::connection_reset));
        BOOST_TEST(got.find("HTTP/1.1") == std::string::npos);
    }
    auto bad_length = https_request(f.port(), f.ca_file(), "api.litmus.com", "POST", "/v1/x",
                                    {{"Content-Length", "not-a-number"}}, "x");
    BOOST_TEST(bad_length.status == 0u);
    BOOST_TEST(bad_length.failed_at == "read");
    BOOST_TEST(f.request_count() == 0u);
    BOOST_TEST(api_get(f, "/bench/bytes/3", "").body == "xxx");
}

BOOST_AUTO_TEST_CASE(clients_verify_the_certificate_against_the_test_ca)
{
    fake_litmus f;
    test::https_options wrong_name;
    wrong_name.tls_name = "evil.example.com";
    auto r = https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/bench/bytes/1", {}, {}, wrong_name);
    BOOST_TEST(r.failed_at == "handshake");

    test::temp_dir dir;
    test::test_ca other;
    const std::string other_ca = dir.file("other.pem");
    other.write_ca_file(other_ca);
    BOOST_TEST(https_request(f.port(), other_ca, "api.litmus.com", "GET", "/bench/bytes/1").failed_at == "handshake");

    test::https_options by_ip;
    by_ip.tls_name = "127.0.0.1";
    BOOST_TEST(https_request(f.port(), f.ca_file(), "api.litmus.com", "GET", "/bench/bytes/1", {}, {}, by_ip).status ==
               200u);
}

BOOST_AUTO_TEST_CASE(child_process_captures_output_exit_codes_and_signals)
{
    test::process_options with_env;
    with_env.env = {{"LITMUS_X", "from-env"}};
    test::child_process sh("sh", {"-c", "echo out; echo err >&2; echo \"$LITMUS_X\"; exit 3"}, with_env);
    int status = 0;
    BOOST_TEST_REQUIRE(sh.wait_for_exit(wait_limit, status));
    BOOST_TEST(status == 3);
    BOOST_TEST(sh.output() == "out\nerr\nfrom-env\n");

    test::process_options clean_env;
    clean_env.env = {{"ONLY", "this"}};
    clean_env.inherit_env = false;
    test::child_process bare("env", {}, clean_env);
    BOOST_TEST_REQUIRE(bare.wait_for_exit(wait_limit, status));
    BOOST_TEST(bare.output() == "ONLY=this\n");

    test::child_process looping("sh", {"-c", "echo ready; while :; do sleep 1; done"});
    BOOST_TEST_REQUIRE(looping.wait_for_output("ready", wait_limit));
    BOOST_TEST(!looping.wait_for_exit(0ms, status));
    looping.kill();
    BOOST_TEST_REQUIRE(looping.wait_for_exit(wait_limit, status));
    BOOST_TEST(status == -SIGKILL);

    BOOST_TEST(test::find_program("sh").has_value());
    BOOST_TEST(!test::find_program("litmus-no-such-program").has_value());
    BOOST_CHECK_THROW(test::child_process("litmus-no-such-program", {}), std::system_error);
}

BOOST_AUTO_TEST_CASE(litmus_fake_executable_serves_logs_shortened_tokens_and_exits_cleanly)
{
    BOOST_TEST_REQUIRE(std::filesystem::exists(LITMUS_FAKE_BINARY), "build litmus-fake first: " LITMUS_FAKE_BINARY);
    test::temp_dir dir;
    const std::string ca = dir.file("ca.pem");
    test::child_process proc(LITMUS_FAKE_BINARY, {"--listen", "127.0.0.1:0", "--ca-out", ca, "--client-id", "cli",
                                                  "--client-secret", "sec", "--expires-in", "none"});
    BOOST_TEST_REQUIRE(proc.wait_for_output(")\n", wait_limit), proc.output());
    std::smatch m;
    const std::string out = proc.output();
    BOOST_TEST_REQUIRE(std::regex_search(out, m, std::regex("litmus-fake listening on 127\\.0\\.0\\.1:(\\d+) \\(CA: (.*)\\)\n")),
                       out);
    BOOST_TEST(m[2].str() == ca);
    const auto port = static_cast<std::uint16_t>(std::stoi(m[1].str()));

    auto r = https_request(port, ca, "litmus.com", "POST", "/oauth/token", json_type,
                           client_credentials_body("cli", "sec"));
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(!r.json().as_object().contains("expires_in"));
    const std::string token(r.json().at("access_token").as_string());
    BOOST_TEST(https_request(port, ca, "api.litmus.com", "GET", "/v3/ping/authenticated",
                             {{"Authorization", "Bearer " + token}})
                   .status == 200u);
    BOOST_TEST_REQUIRE(proc.wait_for_output("/v3/ping/authenticated -> 200", wait_limit), proc.output());

    proc.terminate();
    int status = -1;
    BOOST_TEST_REQUIRE(proc.wait_for_exit(wait_limit, status));
    BOOST_TEST(status == 0);
    const std::string log = proc.output();
    BOOST_TEST(log.find("token=" + token.substr(0, 6) + "\u2026") != std::string::npos, log);
    BOOST_TEST(log.find(token) == std::string::npos, "the full token leaked into the log");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace litmus

// Checks the fake Litmus itself (tests/support): if the fake lies, every
// integration test built on it proves nothing. Real TLS with verification
// against the fake's run-time CA, on 127.0.0.1 port 0.

#include "tests/support/child_process.hpp"
#include "tests/support/fake_litmus.hpp"
#include "tests/support/litmus_answers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"
#include "tests/support/test_https_client.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
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

std::string error_of(const https_response& r) { return std::string(r.json().at("error").as_string()); }

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

    auto refresh_body = [](const std::string& rt) {
        return json::serialize(json::object{{"grant_type", "refresh_token"},
                                            {"refresh_token", rt},
                                            {"client_id", "test-client"},
                                            {"client_secret", "test-secret"}});
    };
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

BOOST_AUTO_TEST_CASE(authorization_codes_are_single_use_and_name_their_user)
{
    fake_litmus f;
    auto code_body = [](std::string_view code) {
        return json::serialize(json::object{{"grant_type", "authorization_code"},
                                            {"code", code},
                                            {"redirect_uri", "http://127.0.0.1:9/callback"},
                                            {"client_id", "test-client"},
                                            {"client_secret", "test-secret"}});
    };
    auto alice = post_token(f, code_body("good-alice"));
    BOOST_TEST_REQUIRE(alice.status == 200u);
    const std::string token(alice.json().at("access_token").as_string());
    auto user = api_get(f, "/v2/users/current", token).json().at("user");
    BOOST_TEST(user.at("id").as_int64() == fake_litmus::user_id_for_code("good-alice"));
    BOOST_TEST(user.at("first_name").as_string() == "Alice");
    BOOST_TEST(user.at("last_name").as_string() == "User");
    BOOST_TEST(user.at("full_name").as_string() == "Alice User");
    BOOST_TEST(fake_litmus::user_id_for_code("good-alice") != fake_litmus::user_id_for_client("test-client"));

    BOOST_TEST(error_of(post_token(f, code_body("good-alice"))) == "invalid_grant");
    BOOST_TEST(error_of(post_token(f, code_body("bad-bob"))) == "invalid_grant");
    BOOST_TEST(f.token_requests().front().body.find("\"redirect_uri\"") != std::string::npos);
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

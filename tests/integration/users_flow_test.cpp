// The users feature as a partner app uses it (issue 11): the app server
// starts an authorization at the proxy, the browser goes through Litmus (the
// fake), the app relays the callback, and from then on API calls carrying
// `Litmus-User` reach Litmus with that user's token — never another user's,
// never with the header. The status and forget endpoints, the checks on the
// header, users.default, and the reserved prefix's 404/405/403 answers.

#include "tests/integration/users_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <latch>
#include <set>
#include <thread>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;

using fake::fake_litmus;

// API requests (not token or authorize requests) the fake saw.
std::size_t forwarded_by(const users_proxy& p) { return p.fake.api_request_count(); }

// The login the fake's token on `req` belongs to; "<client>" for a
// client-credentials token, "<unknown>" for a token the fake never issued.
std::string login_behind(const fake::recorded_request& req, const fake_litmus& fake)
{
    auto token = req.bearer_token();
    if (token.empty())
        return "<none>";
    if (auto login = fake.login_of_token(token))
        return *login;
    auto issued = fake.issued_tokens();
    return std::find(issued.begin(), issued.end(), token) != issued.end() ? "<client>" : "<unknown>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(users_flow_test)

BOOST_AUTO_TEST_CASE(the_whole_flow_serves_the_user_with_their_own_token)
{
    users_proxy p;
    const auto alice = fake_litmus::user_profile_of("alice");

    // 1. The app server asks for an authorization URL.
    auto started = start_authorization(p.app, "app-user-1", app_redirect_uri);
    BOOST_TEST_REQUIRE(started.status == 200u, started.body);
    BOOST_TEST(started.header("Content-Type").starts_with("application/json"));
    auto answer = started.json().as_object();
    const std::string url(answer.at("authorize_url").as_string());
    const std::string state(answer.at("state").as_string());
    BOOST_TEST(url.starts_with("https://litmus.com/oauth/authorize?"), url);
    for (std::string_view part : {"response_type=code", "client_id=test-client", "scope=full"})
        BOOST_TEST(url.find(part) != std::string::npos, url << " lacks " << part);
    BOOST_TEST(url.find("state=" + state) != std::string::npos, url);
    BOOST_TEST(url.find("redirect_uri=") != std::string::npos, url);
    BOOST_TEST(state.size() >= 22u, "a state of at least 128 random bits: " << state);
    BOOST_TEST(answer.at("expires_in").to_number<double>() > 0);
    BOOST_TEST(answer.at("expires_in").to_number<double>() <= 600);
    // A second authorization gets another state.
    auto again = start_authorization(p.app, "app-user-1", app_redirect_uri);
    BOOST_TEST_REQUIRE(again.status == 200u, again.body);
    BOOST_TEST(again.json().at("state").as_string() != state);

    // 2. The browser logs in at Litmus as alice and comes back with a code.
    auto redirect = open_authorize_url(p.fake, url, "alice");
    BOOST_TEST_REQUIRE(redirect.response.status == 302u, redirect.response.body);
    BOOST_TEST(redirect.location.starts_with(std::string(app_redirect_uri) + "?"), redirect.location);
    BOOST_TEST_REQUIRE(redirect.code.has_value());
    BOOST_TEST(redirect.state.value_or("") == state);

    // 3. The app relays the callback: the proxy exchanges the code and names the user.
    auto callback = relay_callback(p.app, redirect);
    BOOST_TEST_REQUIRE(callback.status == 200u, callback.body);
    auto connected = callback.json().as_object();
    BOOST_TEST(connected.at("user").as_string() == "app-user-1");
    BOOST_TEST(connected.at("litmus_user").at("id").as_string() == litmus_id_text("alice"));
    BOOST_TEST(connected.at("litmus_user").at("full_name").as_string() == alice.full_name);
    check_no_secret(callback, p.fake, *redirect.code);
    BOOST_TEST(p.fake.user_counts("alice").codes_exchanged == 1u);
    // The exchange named the redirect_uri of step 1 (the fake would refuse otherwise).
    auto grants = p.fake.token_requests();
    auto exchange = std::find_if(grants.begin(), grants.end(), [](const auto& r) {
        return r.body.find("authorization_code") != std::string::npos;
    });
    BOOST_TEST_REQUIRE((exchange != grants.end()));
    BOOST_TEST(json::parse(exchange->body).at("redirect_uri").as_string() == app_redirect_uri);

    // 4. API calls for the user carry alice's token, and the header stays here.
    const auto api_before = p.fake.user_counts("alice").api_requests;
    auto me = get_as(p.app, "app-user-1");
    BOOST_TEST_REQUIRE(me.status == 200u, me.body);
    BOOST_TEST(user_id_of(me) == alice.id);
    BOOST_TEST(p.fake.last_login("/v2/users/current").value_or("<none>") == "alice");
    BOOST_TEST(p.fake.user_counts("alice").api_requests == api_before + 1);
    auto last = p.fake.api_requests().back();
    BOOST_TEST(login_behind(last, p.fake) == "alice");
    BOOST_TEST(!last.has_header("Litmus-User"));
    check_no_secret(me, p.fake);

    auto settings = get_as(p.app, "app-user-1", "/api/v2/user_settings/clients");
    BOOST_TEST_REQUIRE(settings.status == 200u, settings.body);
    BOOST_TEST(settings.json().at("user_id").as_int64() == alice.id);
    auto emails = get_as(p.app, "app-user-1", "/instant/v1/emails");
    BOOST_TEST(emails.status == 200u, emails.body);
    BOOST_TEST(p.fake.last_login("/v1/emails").value_or("<none>") == "alice");

    // 5. Without the header the client-credentials token still serves.
    auto own = p.app.request(http::verb::get, "/api/v2/users/current");
    BOOST_TEST_REQUIRE(own.status == 200u, own.body);
    BOOST_TEST(user_id_of(own) == fake_litmus::user_id_for_client("test-client"));
    BOOST_TEST(p.fake.last_login("/v2/users/current").value_or("<none>") == "");

    // The counters an operator reads.
    auto metrics = scrape_metrics(p.proxy.admin_port());
    BOOST_TEST(metric_value(metrics, R"(litmus_proxy_user_authorizations_total{outcome="started"})").value_or(-1) ==
               2.0);
    BOOST_TEST(metric_value(metrics, R"(litmus_proxy_user_authorizations_total{outcome="completed"})").value_or(-1) ==
               1.0);
    BOOST_TEST(metric_value(metrics, R"(litmus_proxy_user_code_exchanges_total{outcome="success"})").value_or(-1) ==
               1.0);
    BOOST_TEST(metrics.find("litmus_proxy_user_store_seconds_count{") != std::string::npos);
    BOOST_TEST(metrics.find(*redirect.code) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_users_never_see_each_others_token)
{
    users_proxy p;
    connect_user(p.app, p.fake, "u-alice", "alice");
    connect_user(p.app, p.fake, "u-bob", "bob");
    const std::map<std::string, std::int64_t> id_of{{"alice", fake_litmus::user_profile_of("alice").id},
                                                    {"bob", fake_litmus::user_profile_of("bob").id}};
    p.fake.clear_records();

    // Both users at once, each request tagged with who asked, so every
    // request the fake received can be checked against the token it carried.
    constexpr int per_user = 20;
    std::latch go(2);
    std::map<std::string, std::vector<http_reply>> replies;
    std::vector<std::thread> threads;
    for (std::string login : {"alice", "bob"}) {
        auto& mine = replies[login];
        threads.emplace_back([&, login, port = p.proxy.port()] {
            http_client c(port);
            go.arrive_and_wait();
            for (int i = 0; i < per_user; ++i)
                mine.push_back(get_as(c, "u-" + login, "/api/v2/users/current?who=" + login));
        });
    }
    for (auto& t : threads)
        t.join();

    for (const auto& [login, mine] : replies) {
        BOOST_TEST(mine.size() == std::size_t{per_user});
        for (const auto& r : mine) {
            BOOST_TEST(r.status == 200u, login << ": " << r.body << r.error);
            BOOST_TEST(user_id_of(r) == id_of.at(login), login << ": " << r.body);
        }
    }
    auto seen = p.fake.api_requests();
    BOOST_TEST(seen.size() == std::size_t{2 * per_user});
    std::map<std::string, std::set<std::string>> tokens_of;
    for (const auto& req : seen) {
        auto who = req.target.substr(req.target.find("who=") + 4);
        BOOST_TEST(login_behind(req, p.fake) == who, req.target);
        BOOST_TEST(!req.has_header("Litmus-User"), req.target);
        tokens_of[who].insert(req.bearer_token());
    }
    for (const auto& t : tokens_of["alice"])
        BOOST_TEST(!tokens_of["bob"].contains(t));
    BOOST_TEST(p.fake.user_counts("alice").api_requests >= std::size_t{per_user});
    BOOST_TEST(p.fake.user_counts("bob").api_requests >= std::size_t{per_user});
}

BOOST_AUTO_TEST_CASE(status_shows_a_user_and_delete_forgets_them)
{
    users_proxy p;
    const auto alice = fake_litmus::user_profile_of("alice");
    connect_user(p.app, p.fake, "u-1", "alice");

    auto status = user_status(p.app, "u-1");
    BOOST_TEST_REQUIRE(status.status == 200u, status.body);
    auto s = status.json().as_object();
    BOOST_TEST(s.at("user").as_string() == "u-1");
    BOOST_TEST(s.at("connected").as_bool());
    BOOST_TEST(!s.at("reauthorization_required").as_bool());
    BOOST_TEST(s.at("litmus_user").at("id").as_string() == litmus_id_text("alice"));
    BOOST_TEST(s.at("litmus_user").at("full_name").as_string() == alice.full_name);
    const double expires_in = s.at("expires_in").to_number<double>();
    BOOST_TEST(expires_in > 0);
    BOOST_TEST(expires_in <= 7200);  // the fake's token lifetime
    check_no_secret(status, p.fake);

    auto unknown = user_status(p.app, "nobody");
    BOOST_TEST(unknown.status == 404u, unknown.body);
    BOOST_TEST(error_of(unknown) == "user_not_found");

    auto forget = p.app.request(http::verb::delete_, "/_litmus/users/u-1");
    BOOST_TEST(forget.status == 204u, forget.body);
    BOOST_TEST(forget.body.empty());
    auto gone = user_status(p.app, "u-1");
    BOOST_TEST(gone.status == 404u, gone.body);
    BOOST_TEST(error_of(gone) == "user_not_found");

    // Forgotten means not connected: nothing is forwarded for them.
    const auto forwarded = forwarded_by(p);
    auto after = get_as(p.app, "u-1");
    BOOST_TEST(after.status == 401u, after.body);
    BOOST_TEST(error_of(after) == "user_not_connected");
    BOOST_TEST(forwarded_by(p) == forwarded);

    auto twice = p.app.request(http::verb::delete_, "/_litmus/users/u-1");
    BOOST_TEST(twice.status == 404u, twice.body);
    BOOST_TEST(error_of(twice) == "user_not_found");

    // Connecting again is a fresh start.
    connect_user(p.app, p.fake, "u-1", "alice");
    BOOST_TEST(get_as(p.app, "u-1").status == 200u);
}

BOOST_AUTO_TEST_CASE(the_litmus_user_header_is_checked_and_never_forwarded)
{
    users_proxy p;
    connect_user(p.app, p.fake, "user.name@example-1_x", "alice");  // every character class a key may hold

    auto ok = p.app.request(http::verb::get, "/api/v2/users/current", {{"litmus-user", "user.name@example-1_x"}});
    BOOST_TEST_REQUIRE(ok.status == 200u, ok.body);
    BOOST_TEST(p.fake.last_login("/v2/users/current").value_or("<none>") == "alice");
    BOOST_TEST(!p.fake.api_requests().back().has_header("Litmus-User"));

    const auto forwarded = forwarded_by(p);
    const std::vector<header_pairs> malformed{
        {{"Litmus-User", ""}},
        {{"Litmus-User", "has space"}},
        {{"Litmus-User", "a/b"}},
        {{"Litmus-User", "quote\"d"}},
        {{"Litmus-User", std::string(129, 'k')}},
        {{"Litmus-User", "user.name@example-1_x"}, {"Litmus-User", "user.name@example-1_x"}},
        {{"Litmus-User", "user.name@example-1_x"}, {"Litmus-User", "other"}},
    };
    for (const auto& headers : malformed) {
        auto r = http_once(p.proxy.port(), http::verb::get, "/api/v2/users/current", headers);
        BOOST_TEST(r.status == 400u, headers.front().second << " x" << headers.size() << ": " << r.body);
        BOOST_TEST(error_of(r) == "invalid_litmus_user", r.body);
    }
    BOOST_TEST(forwarded_by(p) == forwarded);

    // Well-formed but unknown users: 401, nothing forwarded.
    for (const std::string& key : {std::string("nobody"), std::string(128, 'k')}) {
        auto r = get_as(p.app, key);
        BOOST_TEST(r.status == 401u, key << ": " << r.body);
        BOOST_TEST(error_of(r) == "user_not_connected", r.body);
    }
    BOOST_TEST(forwarded_by(p) == forwarded);
}

BOOST_AUTO_TEST_CASE(users_default_serves_requests_without_the_header)
{
    users_proxy p("  default: the-default\n");

    // Not connected yet: requests without the header are the default user's.
    const auto forwarded = forwarded_by(p);
    auto early = p.app.request(http::verb::get, "/api/v2/users/current");
    BOOST_TEST(early.status == 401u, early.body);
    BOOST_TEST(error_of(early) == "user_not_connected", early.body);
    BOOST_TEST(forwarded_by(p) == forwarded);

    connect_user(p.app, p.fake, "the-default", "carol");
    connect_user(p.app, p.fake, "someone-else", "bob");
    auto plain = p.app.request(http::verb::get, "/api/v2/users/current");
    BOOST_TEST_REQUIRE(plain.status == 200u, plain.body);
    BOOST_TEST(user_id_of(plain) == fake_litmus::user_profile_of("carol").id);
    BOOST_TEST(p.fake.last_login("/v2/users/current").value_or("<none>") == "carol");
    // The header still picks another user.
    auto other = get_as(p.app, "someone-else");
    BOOST_TEST_REQUIRE(other.status == 200u, other.body);
    BOOST_TEST(user_id_of(other) == fake_litmus::user_profile_of("bob").id);
}

BOOST_AUTO_TEST_CASE(the_reserved_prefix_answers_404_and_405_itself)
{
    users_proxy p;
    const auto forwarded = forwarded_by(p);
    for (std::string_view target : {"/_litmus/nothing", "/_litmus/oauth", "/_litmus/users", "/_litmus/oauth/token"}) {
        auto r = p.app.request(http::verb::get, target);
        BOOST_TEST(r.status == 404u, target << ": " << r.body);
        BOOST_TEST(error_of(r) == "not_found", target << ": " << r.body);
    }
    struct wrong {
        http::verb method;
        std::string_view target;
        std::string_view allowed;  // a method Allow must name
    };
    for (const auto& w : {wrong{http::verb::get, "/_litmus/oauth/authorize", "POST"},
                          wrong{http::verb::put, "/_litmus/oauth/callback", "POST"},
                          wrong{http::verb::post, "/_litmus/users/u-1", "GET"},
                          wrong{http::verb::put, "/_litmus/users/u-1", "DELETE"}}) {
        auto r = p.app.request(w.method, w.target, {}, w.method == http::verb::get ? "" : "{}");
        BOOST_TEST(r.status == 405u, w.target << ": " << r.body);
        BOOST_TEST(r.header("Allow").find(w.allowed) != std::string::npos, w.target << " Allow: " << r.header("Allow"));
    }
    // Bad bodies for the authorization.
    for (std::string_view body : {"", "not json", "[]", R"({"user": 7})", R"({"user": "has space"})",
                                  R"({"redirect_uri": "https://app.example/cb"})"}) {
        auto r = p.app.request(http::verb::post, "/_litmus/oauth/authorize", {{"Content-Type", "application/json"}},
                               body);
        BOOST_TEST(r.status == 400u, body << ": " << r.body);
        BOOST_TEST(error_of(r) == "invalid_request", body << ": " << r.body);
    }
    BOOST_TEST(forwarded_by(p) == forwarded);
    BOOST_TEST(p.fake.authorize_requests().empty());
}

BOOST_AUTO_TEST_CASE(a_cross_site_origin_is_refused_on_the_litmus_endpoints)
{
    users_proxy p;
    connect_user(p.app, p.fake, "u-1", "alice");
    const header_pairs evil{{"Origin", "https://evil.example"}};
    const double started = metric(p.proxy.admin_port(), R"(litmus_proxy_user_authorizations_total{outcome="started"})");

    auto authorize = post_json(p.app, "/_litmus/oauth/authorize", {{"user", "victim"}}, evil);
    BOOST_TEST(authorize.status == 403u, authorize.body);
    BOOST_TEST(authorize.body.find("state") == std::string::npos, authorize.body);
    BOOST_TEST(metric(p.proxy.admin_port(), R"(litmus_proxy_user_authorizations_total{outcome="started"})") ==
               started);

    auto status = p.app.request(http::verb::get, "/_litmus/users/u-1", evil);
    BOOST_TEST(status.status == 403u, status.body);
    BOOST_TEST(status.body.find("full_name") == std::string::npos, status.body);

    auto forget = p.app.request(http::verb::delete_, "/_litmus/users/u-1", evil);
    BOOST_TEST(forget.status == 403u, forget.body);
    BOOST_TEST(user_status(p.app, "u-1").status == 200u);  // still there

    auto callback = post_json(p.app, "/_litmus/oauth/callback", {{"state", "x"}, {"code", "y"}}, evil);
    BOOST_TEST(callback.status == 403u, callback.body);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

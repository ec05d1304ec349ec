// The metrics an operator reads, as GET /metrics will serve them: the text
// proxy_app::metrics_text() produces is parsed and compared before and after
// each step of a scenario (requests on each route, a 401 retry, a background
// refresh, a token-endpoint outage); the same text passes `promtool check
// metrics`; and the README's metric table names exactly the exported
// families.

#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view target = "/api/v2/users/current";

using label_list = std::vector<std::pair<std::string, std::string>>;

// One scrape: every sample by "name{k="v",…}" with the labels sorted, and
// every family's type from its # TYPE line.
struct scrape {
    std::string text;
    std::map<std::string, double> samples;
    std::map<std::string, std::string> types;

    static std::string key(std::string_view name, label_list labels)
    {
        std::sort(labels.begin(), labels.end());
        std::string k(name);
        if (labels.empty())
            return k;
        k += '{';
        for (std::size_t i = 0; i < labels.size(); ++i)
            k += (i ? "," : "") + labels[i].first + "=\"" + labels[i].second + "\"";
        return k + '}';
    }

    /// The sample's value; fails the test when the series is not exported.
    double operator()(std::string_view name, const label_list& labels = {}) const
    {
        auto it = samples.find(key(name, labels));
        BOOST_TEST_REQUIRE((it != samples.end()), "no series " << key(name, labels) << " in:\n" << text);
        return it->second;
    }
};

// Parses the text format as prometheus-cpp writes it: `# HELP`/`# TYPE`
// lines, then `name{k="v",…} value` (label values of ours hold no quotes).
scrape parse(std::string text)
{
    scrape s;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty())
            continue;
        if (line.starts_with("# TYPE ")) {
            std::istringstream t(line.substr(7));
            std::string name, type;
            t >> name >> type;
            s.types[name] = type;
            continue;
        }
        if (line.starts_with('#'))
            continue;
        auto brace = line.find('{');
        auto space = line.rfind(' ');
        BOOST_TEST_REQUIRE(space != std::string::npos, "malformed line: " << line);
        label_list labels;
        std::string name = line.substr(0, std::min(brace, space));
        if (brace != std::string::npos) {
            auto close = line.find('}', brace);
            BOOST_TEST_REQUIRE(close != std::string::npos, "malformed line: " << line);
            std::string_view body(line.data() + brace + 1, close - brace - 1);
            while (!body.empty()) {
                auto eq = body.find("=\"");
                auto end = body.find('"', eq + 2);
                BOOST_TEST_REQUIRE((eq != std::string_view::npos && end != std::string_view::npos),
                                   "malformed labels: " << line);
                labels.emplace_back(std::string(body.substr(0, eq)), std::string(body.substr(eq + 2, end - eq - 2)));
                body.remove_prefix(std::min(body.size(), end + 2));  // past the quote and a comma
            }
        }
        s.samples[scrape::key(name, labels)] = std::stod(line.substr(space + 1));
    }
    s.text = std::move(text);
    return s;
}

scrape scrape_of(running_proxy& proxy)
{
    return parse(proxy.app().metrics_text());
}

// Metrics are counted after the response is written, so a client can read
// its answer a moment before they move: scrape until `ready` holds (or 5 s).
scrape scrape_when(running_proxy& proxy, const std::function<bool(const scrape&)>& ready)
{
    auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
        auto s = scrape_of(proxy);
        if (ready(s) || std::chrono::steady_clock::now() >= deadline)
            return s;
        std::this_thread::sleep_for(5ms);  // polling a condition, bounded above
    }
}

double requests(const scrape& s, const std::string& route, const std::string& method, const std::string& code)
{
    return s("litmus_proxy_requests_total", {{"route", route}, {"method", method}, {"code", code}});
}

double all_requests(const scrape& s)
{
    double n = 0;
    for (const auto& [k, v] : s.samples)
        if (k.starts_with("litmus_proxy_requests_total{"))
            n += v;
    return n;
}

double fetches(const scrape& s, const std::string& grant, const std::string& outcome)
{
    return s("litmus_proxy_token_fetches_total", {{"grant", grant}, {"outcome", outcome}});
}

// Waits until `n` more requests than in `before` are counted and none is in flight.
scrape scrape_after_requests(running_proxy& proxy, const scrape& before, double n)
{
    auto s = scrape_when(proxy, [&](const scrape& now) {
        return all_requests(now) >= all_requests(before) + n && now("litmus_proxy_requests_in_flight") == 0.0;
    });
    BOOST_TEST_REQUIRE(all_requests(s) == all_requests(before) + n);
    return s;
}

// The family names the README's "### Metrics" table lists (first cell of each row).
std::set<std::string> readme_metric_names()
{
    std::ifstream in(std::string(LITMUS_TEST_SOURCE_DIR) + "/../README.md");
    BOOST_TEST_REQUIRE(in.good(), "README.md not found next to tests/");
    std::set<std::string> names;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("### ") || line.starts_with("## ")) {
            inside = line == "### Metrics";
            continue;
        }
        if (!inside || !line.starts_with("| `"))
            continue;
        auto end = line.find('`', 3);
        if (end != std::string::npos)
            names.insert(line.substr(3, end - 3));
    }
    return names;
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> promtool_check(const std::string& text)
{
    auto promtool = find_program("promtool");
    BOOST_TEST_REQUIRE(promtool.has_value(),
                       "promtool not found: install the Debian package prometheus (deploy/scripts/install-deps.sh --test)");
    temp_dir dir("litmus-metrics-");
    auto file = dir.write_file("metrics.txt", text);
    // promtool reads the exposition on stdin; the child's stdin is /dev/null.
    child_process p("/bin/sh", {"-c", "exec \"$0\" check metrics < \"$1\"", *promtool, file});
    int status = -1;
    BOOST_TEST_REQUIRE(p.wait_for_exit(30s, status), "promtool did not finish");
    return {status, p.output()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics_test)

BOOST_AUTO_TEST_CASE(requests_are_counted_by_route_method_and_status_class_and_a_401_retry_by_outcome)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", "downstream:\n  replay_limit: 1024\n"));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    // A scrape reads the counters before the gauges: a request ending in
    // between shows as out of flight but not yet counted. Once one scrape has
    // seen nothing in flight, every count is in, and the next scrape has it.
    scrape_when(proxy, [](const scrape& s) { return s("litmus_proxy_requests_in_flight") == 0.0; });
    auto s0 = scrape_of(proxy);
    BOOST_TEST(fetches(s0, "client_credentials", "success") == 1.0);
    BOOST_TEST(s0("litmus_proxy_token_lifetime_seconds") == 7200.0);
    BOOST_TEST(s0("litmus_proxy_token_expires_in_seconds") > 7000.0);
    BOOST_TEST(s0("litmus_proxy_token_expires_in_seconds") <= 7200.0);

    http_client c(proxy.port());
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(c.request(http::verb::get, target).status == 200u);
    // 2xx: the fake answers 201 or 200 here; the class is what is counted.
    BOOST_TEST(c.request(http::verb::post, "/instant/v1/emails", {{"Content-Type", "application/json"}}, "{}").status /
                   100 ==
               2u);
    // Above downstream.replay_limit: streamed, and counted all the same.
    BOOST_TEST(c.request(http::verb::put, "/api/v2/things", {{"Content-Type", "application/octet-stream"}},
                         std::string(2048, 'x'))
                       .status /
                   100 ==
               2u);
    BOOST_TEST(c.request(http::verb::get, "/nowhere").status == 404u);
    BOOST_TEST(http_once(proxy.port(), http::verb::propfind, "/nowhere").status == 404u);
    auto s1 = scrape_after_requests(proxy, s0, 7);

    BOOST_TEST(requests(s1, "api", "GET", "2xx") == requests(s0, "api", "GET", "2xx") + 3);
    BOOST_TEST(requests(s1, "instant", "POST", "2xx") == requests(s0, "instant", "POST", "2xx") + 1);
    BOOST_TEST(requests(s1, "api", "PUT", "2xx") == 1.0);
    BOOST_TEST(requests(s1, "none", "GET", "4xx") == requests(s0, "none", "GET", "4xx") + 1);
    BOOST_TEST(requests(s1, "none", "other", "4xx") == requests(s0, "none", "other", "4xx") + 1);
    BOOST_TEST(requests(s1, "api", "GET", "5xx") == 0.0);
    BOOST_TEST(s1("litmus_proxy_local_replies_total", {{"reason", "route_not_found"}}) == 2.0);
    BOOST_TEST(s1("litmus_proxy_request_duration_seconds_count", {{"route", "api"}}) ==
               s0("litmus_proxy_request_duration_seconds_count", {{"route", "api"}}) + 4);
    BOOST_TEST(s1("litmus_proxy_request_duration_seconds_count", {{"route", "none"}}) == 2.0);
    BOOST_TEST(s1("litmus_proxy_upstream_response_duration_seconds_count", {{"route", "api"}}) ==
               s0("litmus_proxy_upstream_response_duration_seconds_count", {{"route", "api"}}) + 4);
    BOOST_TEST(s1("litmus_proxy_upstream_response_duration_seconds_count", {{"route", "instant"}}) == 1.0);
    // The keep-alive client is still connected; each upstream connection was
    // one good handshake, and the api connection was kept for reuse.
    BOOST_TEST(s1("litmus_proxy_downstream_connections_open") >= 1.0);
    BOOST_TEST(s1("litmus_proxy_downstream_connections_total") >= 3.0);
    for (std::string u : {"api", "instant"}) {
        BOOST_TEST_CONTEXT("upstream " << u)
        {
            BOOST_TEST(s1("litmus_proxy_upstream_tls_handshakes_total", {{"upstream", u}, {"result", "ok"}}) ==
                       s1("litmus_proxy_upstream_connects_total", {{"upstream", u}}));
            BOOST_TEST(s1("litmus_proxy_upstream_tls_handshakes_total", {{"upstream", u}, {"result", "failed"}}) == 0.0);
            BOOST_TEST(s1("litmus_proxy_upstream_connections_open", {{"upstream", u}}) >= 1.0);
            BOOST_TEST(s1("litmus_proxy_upstream_connections_idle", {{"upstream", u}}) >= 1.0);
        }
    }
    BOOST_TEST(s1("litmus_proxy_upstream_connection_reuses_total", {{"upstream", "api"}}) >= 2.0);

    // The fake revokes the token: the next request gets a 401, the proxy
    // fetches a new token and replays it once, successfully.
    fake.revoke_all_tokens();
    BOOST_TEST(c.request(http::verb::get, target).status == 200u);
    auto s2 = scrape_after_requests(proxy, s1, 1);
    BOOST_TEST(requests(s2, "api", "GET", "2xx") == requests(s1, "api", "GET", "2xx") + 1);
    BOOST_TEST(s2("litmus_proxy_unauthorized_retries_total", {{"outcome", "succeeded"}}) == 1.0);
    for (std::string o : {"unauthorized_again", "token_unavailable", "upstream_failed", "not_retried"})
        BOOST_TEST(s2("litmus_proxy_unauthorized_retries_total", {{"outcome", o}}) == 0.0, o);
    BOOST_TEST(s2("litmus_proxy_token_invalidations_total") == 1.0);
    BOOST_TEST(fetches(s2, "client_credentials", "success") == 2.0);
    BOOST_TEST(s2("litmus_proxy_token_fetch_duration_seconds_count") == 2.0);
    BOOST_TEST(s2("litmus_proxy_upstream_response_duration_seconds_count", {{"route", "api"}}) ==
               s1("litmus_proxy_upstream_response_duration_seconds_count", {{"route", "api"}}) + 2);
    BOOST_TEST(s2("litmus_proxy_token_expires_in_seconds") > 7000.0);
}

// With no idle connection kept, every request opens an upstream connection:
// the first handshake is a full one, the later ones resume the session the
// upstream issued on an earlier connection.
BOOST_AUTO_TEST_CASE(new_upstream_connections_resume_the_last_tls_session)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", "upstream:\n  max_idle: 0\n"));
    http_client c(proxy.port());
    for (int i = 0; i < 3; ++i)
        BOOST_TEST_REQUIRE(c.request(http::verb::get, std::string(target)).status == 200u);
    const label_list api_ok{{"upstream", "api"}, {"result", "ok"}};
    auto s = scrape_when(proxy, [&](const scrape& now) {
        return now("litmus_proxy_upstream_tls_handshakes_total", api_ok) >= 3.0;
    });
    BOOST_TEST(s("litmus_proxy_upstream_tls_handshakes_total", api_ok) == 3.0);
    BOOST_TEST(s("litmus_proxy_upstream_tls_resumed_total", {{"upstream", "api"}}) == 2.0);
    BOOST_TEST(s("litmus_proxy_upstream_connection_reuses_total", {{"upstream", "api"}}) == 0.0);
}

BOOST_AUTO_TEST_CASE(a_background_refresh_counts_a_fetch_and_renews_the_expiry_without_a_wait)
{
    // 1-second tokens, refreshed 100 ms after each fetch.
    fake::fake_options o;
    o.expires_in = 1;
    fake::fake_litmus fake(o);
    running_proxy proxy(yaml_for(fake, "  refresh_before: 0.9\n  refresh_jitter: 0\n", ""));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    auto s0 = scrape_of(proxy);
    BOOST_TEST_REQUIRE(fake.wait_for_token_requests(fake.token_request_count() + 2, 5s));
    auto s1 = scrape_when(proxy, [&](const scrape& s) {
        return fetches(s, "client_credentials", "success") >= fetches(s0, "client_credentials", "success") + 2;
    });
    BOOST_TEST(fetches(s1, "client_credentials", "success") >= fetches(s0, "client_credentials", "success") + 2);
    BOOST_TEST(s1("litmus_proxy_token_fetch_duration_seconds_count") >= 3.0);
    BOOST_TEST(fetches(s1, "client_credentials", "failed") == 0.0);
    // Nobody waited: the refresh happened ahead of expiry.
    BOOST_TEST(s1("litmus_proxy_token_waits_total") == s0("litmus_proxy_token_waits_total"));
    BOOST_TEST(s1("litmus_proxy_token_lifetime_seconds") == 1.0);
    BOOST_TEST(s1("litmus_proxy_token_expires_in_seconds") > 0.0);
    BOOST_TEST(s1("litmus_proxy_token_expires_in_seconds") <= 1.0);
}

BOOST_AUTO_TEST_CASE(a_failing_token_endpoint_counts_failed_fetches_503s_and_no_token_until_it_recovers)
{
    fake::fake_litmus fake;
    fake.set_token_mode(fake::endpoint_mode::fail_500);
    running_proxy proxy(yaml_for(fake,
                                 "  wait_timeout: 200ms\n"
                                 "  backoff_initial: 50ms\n"
                                 "  backoff_max: 200ms\n",
                                 ""));
    BOOST_TEST_REQUIRE(fake.wait_for_token_requests(1, 5s));
    auto r = http_once(proxy.port(), http::verb::get, target);
    BOOST_TEST(r.status == 503u);
    auto s1 = scrape_when(proxy, [](const scrape& s) { return requests(s, "api", "GET", "5xx") >= 1.0; });
    BOOST_TEST(requests(s1, "api", "GET", "5xx") == 1.0);
    BOOST_TEST(s1("litmus_proxy_local_replies_total", {{"reason", "token_unavailable"}}) == 1.0);
    BOOST_TEST(fetches(s1, "client_credentials", "failed") >= 1.0);
    BOOST_TEST(fetches(s1, "client_credentials", "success") == 0.0);
    BOOST_TEST(s1("litmus_proxy_token_fetch_duration_seconds_count") >= 1.0);
    BOOST_TEST(s1("litmus_proxy_token_waits_total") == 1.0);
    BOOST_TEST(s1("litmus_proxy_token_expires_in_seconds") == 0.0);
    BOOST_TEST(s1("litmus_proxy_upstream_response_duration_seconds_count", {{"route", "api"}}) == 0.0);

    fake.set_token_mode(fake::endpoint_mode::normal);
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    auto s2 = scrape_of(proxy);
    BOOST_TEST(fetches(s2, "client_credentials", "success") == 1.0);
    BOOST_TEST(s2("litmus_proxy_token_expires_in_seconds") > 7000.0);
}

BOOST_AUTO_TEST_CASE(the_exposition_passes_promtool_check_metrics)
{
    // promtool itself must be able to fail here: a counter without _total.
    auto bad = promtool_check("# HELP litmus_bad A counter.\n# TYPE litmus_bad counter\nlitmus_bad 1\n");
    BOOST_TEST(bad.first != 0, "promtool accepted a malformed exposition:\n" << bad.second);

    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", ""));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), target, 5s));
    BOOST_TEST(http_once(proxy.port(), http::verb::get, "/nowhere").status == 404u);
    auto text = proxy.app().metrics_text();
    auto [status, output] = promtool_check(text);
    BOOST_TEST(status == 0, "promtool check metrics failed:\n" << output);
}

BOOST_AUTO_TEST_CASE(the_readme_metric_table_names_every_exported_family_and_nothing_else)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", ""));
    auto exported = scrape_of(proxy).types;
    auto documented = readme_metric_names();
    BOOST_TEST_REQUIRE(!documented.empty(), "no metric rows under README ### Metrics");
    for (const auto& [name, type] : exported)
        BOOST_TEST(documented.count(name) == 1u, name << " (" << type << ") is exported but not in the README table");
    for (const auto& name : documented)
        BOOST_TEST(exported.count(name) == 1u, name << " is in the README table but not exported");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

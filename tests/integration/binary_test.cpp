// The litmus-proxy binary as users run it: command line, config files,
// environment, exit codes, and a client written in another language.

#include "tests/integration/binary_fixture.hpp"
#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

using namespace std::chrono_literals;

namespace {

// The binary with a config file pointing it at `fake`, credentials in its env.
std::unique_ptr<child_process> start_against(const fake::fake_litmus& fake, const temp_dir& dir)
{
    auto path = dir.write_file("p.yaml", yaml_for(fake));
    return std::make_unique<child_process>(
        LITMUS_PROXY_BINARY, std::vector<std::string>{"--config", path},
        clean_env({{"LITMUS_CLIENT_ID", "test-client"}, {"LITMUS_CLIENT_SECRET", "test-secret"}}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(binary_test)

BOOST_AUTO_TEST_CASE(help_lists_options_and_exit_codes)
{
    auto r = run_to_exit({"--help"}, clean_env());
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.output.find("--config") != std::string::npos);
    BOOST_TEST(r.output.find("LITMUS_CLIENT_ID") != std::string::npos);
    BOOST_TEST(r.output.find("exit codes") != std::string::npos);

    auto bad = run_to_exit({"--client-secret", "x"}, clean_env());
    BOOST_TEST(bad.code == 2);
    BOOST_TEST(bad.output.find("unknown or incomplete option '--client-secret'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_credentials_name_every_way_to_supply_them)
{
    auto r = run_to_exit({}, clean_env());
    BOOST_TEST(r.code == 2);
    for (auto needle : {"LITMUS_CLIENT_ID", "LITMUS_CLIENT_SECRET", "credentials.client_id", "credentials.client_secret_file"})
        BOOST_TEST(r.output.find(needle) != std::string::npos, "message names " << needle << ": " << r.output);

    auto only_id = run_to_exit({}, clean_env({{"LITMUS_CLIENT_ID", "id-only"}}));
    BOOST_TEST(only_id.code == 2);
    BOOST_TEST(only_id.output.find("secret") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_config_files_stop_the_start_naming_file_line_and_key)
{
    temp_dir dir;
    struct row {
        std::string yaml;
        std::vector<std::string> needles;
    };
    const row rows[] = {
        {"listen: 127.0.0.1:0\ntokn:\n  url: https://x\n", {"bad.yaml:2", "tokn"}},
        {"token:\n  fetch_timeout: soon\n", {"bad.yaml:2", "token.fetch_timeout", "soon"}},
        {"upstreams:\n  - name: api\n    url: http://api.litmus.com\n    prefix: /api\n", {"bad.yaml:3", "upstreams[0].url", "https"}},
        {"listen: [oops\n", {"bad.yaml", "YAML"}},
        {"token:\n  url: https://litmus.com/oauth/token\n  colour: blue\n", {"bad.yaml:3", "colour"}},
    };
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.yaml)
        {
            auto path = dir.write_file("bad.yaml", t.yaml);
            auto r = run_to_exit({"--config", path},
                                 clean_env({{"LITMUS_CLIENT_ID", "id"}, {"LITMUS_CLIENT_SECRET", "s3cr3t-value"}}));
            BOOST_TEST(r.code == 2);
            for (const auto& n : t.needles)
                BOOST_TEST(r.output.find(n) != std::string::npos, "output names '" << n << "': " << r.output);
            BOOST_TEST(r.output.find("s3cr3t-value") == std::string::npos);
        }
    }
    auto missing = run_to_exit({"--config", dir.file("absent.yaml")},
                               clean_env({{"LITMUS_CLIENT_ID", "id"}, {"LITMUS_CLIENT_SECRET", "s"}}));
    BOOST_TEST(missing.code == 2);
    BOOST_TEST(missing.output.find("absent.yaml") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_config_validates_without_starting)
{
    temp_dir dir;
    auto path = dir.write_file("ok.yaml", "listen: 127.0.0.1:0\n");
    auto r = run_to_exit({"--check-config", "--config", path},
                         clean_env({{"LITMUS_CLIENT_ID", "id"}, {"LITMUS_CLIENT_SECRET", "s"}}));
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.output.find("configuration OK") != std::string::npos);
}

// The container image's rule: with no --config, the default file is read when
// it exists (LITMUS_PROXY_CONFIG moves it), else the built-in defaults apply.
BOOST_AUTO_TEST_CASE(default_config_file_is_read_when_present)
{
    temp_dir dir;
    auto path = dir.write_file("config.yaml", "listen: 127.0.0.1:0\nadmin:\n  listen: 127.0.0.1:0\n");
    const std::pair<std::string, std::string> id{"LITMUS_CLIENT_ID", "id"}, secret{"LITMUS_CLIENT_SECRET", "s"};

    auto present = run_to_exit({"--check-config"}, clean_env({id, secret, {"LITMUS_PROXY_CONFIG", path}}));
    BOOST_TEST(present.code == 0);
    BOOST_TEST(present.output.find("configuration OK (" + path + ")") != std::string::npos, present.output);

    auto absent = run_to_exit({"--check-config"}, clean_env({id, secret, {"LITMUS_PROXY_CONFIG", dir.file("none.yaml")}}));
    BOOST_TEST(absent.code == 0);
    BOOST_TEST(absent.output.find("configuration OK (<defaults>)") != std::string::npos, absent.output);

    // A file that is there but wrong stops the start, as with --config.
    auto bad = dir.write_file("bad.yaml", "tokn: {}\n");
    auto broken = run_to_exit({"--check-config"}, clean_env({id, secret, {"LITMUS_PROXY_CONFIG", bad}}));
    BOOST_TEST(broken.code == 2);
    BOOST_TEST(broken.output.find(bad + ":1") != std::string::npos, broken.output);
}

BOOST_AUTO_TEST_CASE(sigterm_drains_and_exits_zero)
{
    fake::fake_litmus fake;
    temp_dir dir;
    auto p = start_against(fake, dir);
    auto port = wait_listening(*p);
    http_client idle(port);
    BOOST_TEST(idle.request(http::verb::get, "/api/v2/users/current").status == 200u);
    p->terminate();
    int code = -1;
    BOOST_TEST_REQUIRE(p->wait_for_exit(10s, code));
    BOOST_TEST(code == 0);
    auto out = p->output();
    BOOST_TEST(out.find("\"event\":\"stopped\"") != std::string::npos);
    BOOST_TEST(out.find("test-secret") == std::string::npos);
    BOOST_TEST(out.find(fake.issued_tokens().at(0)) == std::string::npos);
}

// An application in another language uses the proxy unchanged: as its base
// URL, and as its http_proxy with absolute-form URLs.
BOOST_AUTO_TEST_CASE(python_client_uses_proxy_as_base_url_and_as_http_proxy)
{
    auto python = find_program("python3");
    BOOST_TEST_REQUIRE(python.has_value(), "python3 is installed by deploy/scripts/install-deps.sh --test");
    fake::fake_litmus fake;
    temp_dir dir;
    auto proxy = start_against(fake, dir);
    auto port = wait_listening(*proxy);

    auto script = dir.write_file("client.py", R"PY(
import json, sys, urllib.request
base = sys.argv[1]
with urllib.request.urlopen(base + "/api/v2/users/current", timeout=10) as r:
    print("base-get", r.status, json.load(r)["user"]["id"])
req = urllib.request.Request(base + "/instant/v1/emails", method="POST",
                             data=json.dumps({"subject": "from python"}).encode(),
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    print("base-post", r.status, len(json.load(r)["email_guid"]))
opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": base}))
with opener.open("http://api.litmus.com/v2/users/current?via=proxy", timeout=10) as r:
    print("proxy-get", r.status, json.load(r)["user"]["id"])
try:
    urllib.request.urlopen(base + "/unknown", timeout=10)
except urllib.error.HTTPError as e:
    print("unknown", e.code, json.load(e)["error"])
)PY");
    child_process client(*python, {script, "http://127.0.0.1:" + std::to_string(port)},
                         clean_env({{"NO_PROXY", ""}}));
    int code = -1;
    BOOST_TEST_REQUIRE(client.wait_for_exit(20s, code));
    auto out = client.output();
    BOOST_TEST(code == 0, out);
    const std::string user_id = std::to_string(fake::fake_litmus::user_id_for_client("test-client"));
    BOOST_TEST(out.find("base-get 200 " + user_id + "\n") != std::string::npos, out);
    BOOST_TEST(out.find("base-post 200 36\n") != std::string::npos, out);  // a 36-character GUID
    BOOST_TEST(out.find("proxy-get 200 " + user_id + "\n") != std::string::npos, out);
    BOOST_TEST(out.find("unknown 404 route_not_found") != std::string::npos, out);

    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 3u);
    BOOST_TEST(api[2].target == "/v2/users/current?via=proxy");
    BOOST_TEST(api[2].host == "api.litmus.com");
    BOOST_TEST(api[1].body == R"({"subject": "from python"})");
    for (const auto& r : api)
        BOOST_TEST(r.header("Authorization") == "Bearer " + fake.issued_tokens().at(0));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

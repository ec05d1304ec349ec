#include "proxy/config/config_loader.hpp"

#include "tests/unit/config/env_of.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace litmus::config {

namespace {

const env_map env_credentials{{"LITMUS_CLIENT_ID", "env-id"}, {"LITMUS_CLIENT_SECRET", "env-secret"}};

proxy_config load(std::string_view yaml, const env_map& env = env_credentials)
{
    return load_config_from_string(yaml, "config.yaml", env_of(env));
}

// The message of the config_error that loading `yaml` throws; an empty string
// (and a failed check) when it loads or throws anything else.
std::string error_of(std::string_view yaml, const env_map& env = env_credentials)
{
    try {
        load(yaml, env);
        BOOST_ERROR("expected a config_error for:\n" << yaml);
    } catch (const config_error& e) {
        return e.what();
    } catch (const std::exception& e) {
        BOOST_ERROR("expected a config_error, got: " << e.what());
    }
    return {};
}

bool contains(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

const std::string missing_help =
    "no Litmus client credentials: set LITMUS_CLIENT_ID and LITMUS_CLIENT_SECRET "
    "(or LITMUS_CLIENT_ID_FILE / LITMUS_CLIENT_SECRET_FILE), or credentials.client_id / "
    "credentials.client_id_file and credentials.client_secret / credentials.client_secret_file "
    "in the config file, or under systemd LoadCredential=client_id:PATH and client_secret:PATH";

/// A private directory for credential and CA files, removed at the end.
struct temp_dir {
    std::filesystem::path path;

    temp_dir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "litmus-config-test-XXXXXX").string();
        BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    std::string write(const std::string& name, std::string_view content) const
    {
        auto p = path / name;
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }
};

std::filesystem::path repo_root()
{
    // tests/unit/config/config_loader_test.cpp -> the repository root.
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

void check_default_upstreams(const proxy_config& cfg)
{
    BOOST_TEST_REQUIRE(cfg.upstreams.size() == 2u);
    BOOST_TEST(cfg.upstreams[0].name == "api");
    BOOST_TEST(cfg.upstreams[0].url == "https://api.litmus.com");
    BOOST_TEST(cfg.upstreams[0].parsed.host == "api.litmus.com");
    BOOST_TEST(cfg.upstreams[0].parsed.port == 443);
    BOOST_TEST(cfg.upstreams[0].parsed.path == "");
    BOOST_TEST(cfg.upstreams[0].prefix == "/api");
    BOOST_TEST(!cfg.upstreams[0].connect.has_value());
    BOOST_TEST(cfg.upstreams[1].name == "instant");
    BOOST_TEST(cfg.upstreams[1].url == "https://instant-api.litmus.com");
    BOOST_TEST(cfg.upstreams[1].parsed.host == "instant-api.litmus.com");
    BOOST_TEST(cfg.upstreams[1].parsed.port == 443);
    BOOST_TEST(cfg.upstreams[1].prefix == "/instant");
    BOOST_TEST(!cfg.upstreams[1].connect.has_value());
}

void check_defaults(const proxy_config& cfg)
{
    const proxy_config d;
    BOOST_TEST(!cfg.users.has_value(), "the users feature is off by default");
    BOOST_TEST(cfg.downstream.listen.host == "127.0.0.1");
    BOOST_TEST(cfg.downstream.listen.port == 8080);
    BOOST_TEST(cfg.credentials.watch_interval.count() == 1'000);
    BOOST_TEST(cfg.downstream.header_limit == 16u * 1024);
    BOOST_TEST(cfg.downstream.body_limit == 64ull << 20);
    BOOST_TEST(cfg.downstream.replay_limit == 8ull << 20);
    BOOST_TEST(cfg.downstream.header_timeout.count() == 10'000);
    BOOST_TEST(cfg.downstream.idle_timeout.count() == 60'000);
    BOOST_TEST(cfg.downstream.io_timeout.count() == 60'000);
    BOOST_TEST(cfg.downstream.target_limit == 8u * 1024);
    BOOST_TEST(cfg.downstream.allowed_hosts.empty());
    BOOST_TEST(cfg.downstream.allowed_origins.empty());
    BOOST_TEST(cfg.downstream.drain_timeout.count() == 25'000);
    BOOST_TEST(cfg.token.url == "https://litmus.com/oauth/token");
    BOOST_TEST(cfg.token.parsed.host == "litmus.com");
    BOOST_TEST(cfg.token.parsed.port == 443);
    BOOST_TEST(cfg.token.parsed.path == "/oauth/token");
    BOOST_TEST(!cfg.token.connect.has_value());
    BOOST_TEST(cfg.token.fetch_timeout.count() == 10'000);
    BOOST_TEST(cfg.token.wait_timeout.count() == 5'000);
    BOOST_TEST(cfg.token.refresh_before == 0.2);
    BOOST_TEST(cfg.token.refresh_jitter == 0.1);
    BOOST_TEST(cfg.token.default_lifetime.count() == 3'600'000);
    BOOST_TEST(cfg.token.max_lifetime.count() == 86'400'000);
    BOOST_TEST(cfg.token.backoff_initial.count() == 500);
    BOOST_TEST(cfg.token.backoff_max.count() == 30'000);
    BOOST_TEST(cfg.upstream.connect_timeout == d.upstream.connect_timeout);
    BOOST_TEST(cfg.upstream.response_timeout == d.upstream.response_timeout);
    BOOST_TEST(cfg.upstream.idle_timeout == d.upstream.idle_timeout);
    BOOST_TEST(cfg.upstream.write_timeout.count() == 60'000);
    BOOST_TEST(cfg.upstream.response_deadline.count() == 300'000);
    BOOST_TEST(cfg.upstream.max_idle == 64u);
    BOOST_TEST(cfg.tls.ca_file == "");
    BOOST_TEST(cfg.admin.listen.host == "127.0.0.1");
    BOOST_TEST(cfg.admin.listen.port == 9090);
    BOOST_TEST((cfg.log.level == log_level::info));
    BOOST_TEST(cfg.log.access);
    check_default_upstreams(cfg);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_loader_test)

// ---- defaults ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(no_file_gives_defaults_and_env_credentials)
{
    auto cfg = load_config(std::nullopt, env_of(env_credentials));
    check_defaults(cfg);
    BOOST_TEST(cfg.source == "<defaults>");
    BOOST_TEST(cfg.credentials.client_id == "env-id");
    BOOST_TEST(cfg.credentials.client_secret == "env-secret");
    BOOST_TEST(cfg.credentials.client_id_file == "");
    BOOST_TEST(cfg.credentials.client_secret_file == "");
}

BOOST_AUTO_TEST_CASE(empty_files_and_empty_sections_give_defaults)
{
    const std::string_view rows[] = {
        "",
        "# nothing but a comment\n",
        "---\n",
        "---\n...\n---\n",
        "token:\n",
        "credentials: ~\ntoken: {}\nupstream:\ndownstream: {}\ntls:\nlisten:\n",
        "upstreams:\n",
    };
    for (auto yaml : rows) {
        BOOST_TEST_CONTEXT("yaml: " << yaml)
        {
            auto cfg = load(yaml);
            check_defaults(cfg);
            BOOST_TEST(cfg.source == "config.yaml");
        }
    }
}

// ---- every key --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_key_is_parsed)
{
    auto cfg = load(R"(
listen: "[::1]:9090"
credentials:
  client_id: file-id
  client_secret: "file-secret"
  watch_interval: 250ms
token:
  url: https://auth.example.com:8443/oauth/token/
  connect: 127.0.0.1:9443
  fetch_timeout: 250ms
  wait_timeout: 0
  refresh_before: 0.5
  refresh_jitter: 0
  default_lifetime: 2h
  max_lifetime: 12h
  backoff_initial: 1s
  backoff_max: 2m
upstreams:
  - name: api
    url: https://api.example.com/base/
    prefix: /litmus-api
    connect: "fake.local:8443"
  - name: mail_2
    url: https://MAIL.example.com:9443
upstream:
  connect_timeout: 3s
  response_timeout: 90
  write_timeout: 7s
  response_deadline: 10m
  idle_timeout: 15s
  max_idle: 0
downstream:
  header_limit: 32KiB
  body_limit: 1GiB
  replay_limit: 1048576
  header_timeout: 5s
  idle_timeout: 2m
  io_timeout: 45s
  target_limit: 2KiB
  allowed_hosts: [Litmus-Proxy.default.svc, 10.0.0.7, "[FD00::1]"]
  allowed_origins: ["HTTPS://App.example", "http://localhost:3000"]
  drain_timeout: 0
tls:
  ca_file: /dev/null
admin:
  listen: 0.0.0.0:9191
log:
  level: debug
  access: false
)");
    BOOST_TEST(cfg.downstream.listen.host == "::1");
    BOOST_TEST(cfg.downstream.listen.port == 9090);
    BOOST_TEST(cfg.credentials.client_id == "file-id");
    BOOST_TEST(cfg.credentials.client_secret == "file-secret");
    BOOST_TEST(cfg.credentials.watch_interval.count() == 250);

    const auto& t = cfg.token;
    BOOST_TEST(t.url == "https://auth.example.com:8443/oauth/token/");
    BOOST_TEST(t.parsed.host == "auth.example.com");
    BOOST_TEST(t.parsed.port == 8443);
    BOOST_TEST(t.parsed.path == "/oauth/token");
    BOOST_TEST(t.parsed.authority() == "auth.example.com:8443");
    BOOST_TEST_REQUIRE(t.connect.has_value());
    BOOST_TEST(t.connect->host == "127.0.0.1");
    BOOST_TEST(t.connect->port == 9443);
    BOOST_TEST(t.fetch_timeout.count() == 250);
    BOOST_TEST(t.wait_timeout.count() == 0);
    BOOST_TEST(t.refresh_before == 0.5);
    BOOST_TEST(t.refresh_jitter == 0.0);
    BOOST_TEST(t.default_lifetime.count() == 7'200'000);
    BOOST_TEST(t.max_lifetime.count() == 43'200'000);
    BOOST_TEST(t.backoff_initial.count() == 1'000);
    BOOST_TEST(t.backoff_max.count() == 120'000);

    BOOST_TEST_REQUIRE(cfg.upstreams.size() == 2u);
    const auto& api = cfg.upstreams[0];
    BOOST_TEST(api.name == "api");
    BOOST_TEST(api.url == "https://api.example.com/base/");
    BOOST_TEST(api.parsed.host == "api.example.com");
    BOOST_TEST(api.parsed.port == 443);
    BOOST_TEST(api.parsed.path == "/base");
    BOOST_TEST(api.prefix == "/litmus-api");
    BOOST_TEST_REQUIRE(api.connect.has_value());
    BOOST_TEST(api.connect->host == "fake.local");
    BOOST_TEST(api.connect->port == 8443);
    const auto& mail = cfg.upstreams[1];
    BOOST_TEST(mail.name == "mail_2");
    BOOST_TEST(mail.parsed.host == "mail.example.com");
    BOOST_TEST(mail.parsed.port == 9443);
    BOOST_TEST(mail.prefix == "");
    BOOST_TEST(!mail.connect.has_value());

    BOOST_TEST(cfg.upstream.connect_timeout.count() == 3'000);
    BOOST_TEST(cfg.upstream.response_timeout.count() == 90'000);
    BOOST_TEST(cfg.upstream.idle_timeout.count() == 15'000);
    BOOST_TEST(cfg.upstream.write_timeout.count() == 7'000);
    BOOST_TEST(cfg.upstream.response_deadline.count() == 600'000);
    BOOST_TEST(cfg.upstream.max_idle == 0u);

    BOOST_TEST(cfg.downstream.header_limit == 32u * 1024);
    BOOST_TEST(cfg.downstream.body_limit == 1ull << 30);
    BOOST_TEST(cfg.downstream.replay_limit == 1ull << 20);
    BOOST_TEST(cfg.downstream.header_timeout.count() == 5'000);
    BOOST_TEST(cfg.downstream.idle_timeout.count() == 120'000);
    BOOST_TEST(cfg.downstream.io_timeout.count() == 45'000);
    BOOST_TEST(cfg.downstream.target_limit == 2048u);
    BOOST_TEST(cfg.downstream.allowed_hosts ==
                   (std::vector<std::string>{"litmus-proxy.default.svc", "10.0.0.7", "[fd00::1]"}),
               boost::test_tools::per_element());
    BOOST_TEST(cfg.downstream.allowed_origins ==
                   (std::vector<std::string>{"https://app.example", "http://localhost:3000"}),
               boost::test_tools::per_element());
    BOOST_TEST(cfg.downstream.drain_timeout.count() == 0);
    BOOST_TEST(cfg.tls.ca_file == "/dev/null");
    BOOST_TEST(cfg.admin.listen.host == "0.0.0.0");
    BOOST_TEST(cfg.admin.listen.port == 9191);
    BOOST_TEST((cfg.log.level == log_level::debug));
    BOOST_TEST(!cfg.log.access);
}

BOOST_AUTO_TEST_CASE(upstreams_key_replaces_the_defaults)
{
    auto cfg = load(R"(
upstreams:
  - name: instant
    url: https://instant-api.litmus.com
    prefix: /i
)");
    BOOST_TEST_REQUIRE(cfg.upstreams.size() == 1u);
    BOOST_TEST(cfg.upstreams[0].name == "instant");
    BOOST_TEST(cfg.upstreams[0].prefix == "/i");
    BOOST_TEST(cfg.upstreams[0].parsed.host == "instant-api.litmus.com");
}

BOOST_AUTO_TEST_CASE(connect_overrides_take_host_and_port)
{
    auto cfg = load(R"(
token:
  connect: "[::1]:8443"
upstreams:
  - {name: api, url: "https://api.litmus.com", prefix: /api, connect: "127.0.0.1:8443"}
  - {name: instant, url: "https://instant-api.litmus.com", prefix: /instant, connect: "Fake-Litmus:443"}
)");
    BOOST_TEST_REQUIRE(cfg.token.connect.has_value());
    BOOST_TEST(cfg.token.connect->host == "::1");
    BOOST_TEST(cfg.token.connect->port == 8443);
    BOOST_TEST_REQUIRE(cfg.upstreams.size() == 2u);
    BOOST_TEST(cfg.upstreams[0].connect->host == "127.0.0.1");
    BOOST_TEST(cfg.upstreams[0].connect->port == 8443);
    BOOST_TEST(cfg.upstreams[1].connect->host == "fake-litmus");
    BOOST_TEST(cfg.upstreams[1].connect->port == 443);
    // The URL's host stays what SNI, verification and Host use.
    BOOST_TEST(cfg.upstreams[1].parsed.authority() == "instant-api.litmus.com");

    BOOST_TEST(error_of("token:\n  connect: 127.0.0.1\n") ==
               "config.yaml:2:12: token.connect: expected HOST:PORT such as 127.0.0.1:8443 "
               "(the port is required), got '127.0.0.1'");
    BOOST_TEST(error_of("upstreams:\n  - {name: a, url: 'https://a.test', connect: 'h:0'}\n") ==
               "config.yaml:2:47: upstreams[0].connect: expected HOST:PORT such as 127.0.0.1:8443 "
               "with a port from 1 to 65535, got 'h:0'");
}

BOOST_AUTO_TEST_CASE(listen_accepts_ip_literals_and_localhost_only)
{
    const std::pair<std::string_view, std::string_view> good[] = {
        {"127.0.0.1:8081", "127.0.0.1"},
        {"localhost:8081", "127.0.0.1"},
        {"0.0.0.0:8081", "0.0.0.0"},
        {"\"[::1]:8081\"", "::1"},
    };
    for (const auto& [text, host] : good) {
        BOOST_TEST_CONTEXT(text)
        {
            auto cfg = load("listen: " + std::string(text) + "\n");
            BOOST_TEST(cfg.downstream.listen.host == host);
            BOOST_TEST(cfg.downstream.listen.port == 8081);
        }
    }
    // Port 0: any free port (tests bind this way).
    BOOST_TEST(load("listen: 127.0.0.1:0\n").downstream.listen.port == 0);

    const std::pair<std::string_view, std::string_view> bad[] = {
        {"proxy.example.com:8080", "the host must be an IP address or localhost (no DNS names), got 'proxy.example.com:8080'"},
        {"127.0.0.1", "expected HOST:PORT such as 127.0.0.1:8443 (the port is required), got '127.0.0.1'"},
        {"127.0.0.1:65536", "expected HOST:PORT such as 127.0.0.1:8443 with a port from 0 to 65535, got '127.0.0.1:65536'"},
        {"8080", "expected HOST:PORT such as 127.0.0.1:8443 (the port is required), got '8080'"},
    };
    for (const auto& [text, why] : bad) {
        BOOST_TEST_CONTEXT(text)
        {
            BOOST_TEST(error_of("listen: " + std::string(text) + "\n") == "config.yaml:1:9: listen: " + std::string(why));
        }
    }
}

BOOST_AUTO_TEST_CASE(listen_may_name_a_unix_socket_with_its_mode)
{
    auto tcp = load("listen: 127.0.0.1:8081\n");
    BOOST_TEST(tcp.downstream.unix_path.empty());
    BOOST_TEST(tcp.downstream.listen_mode.bits == 0660u);

    auto cfg = load("listen: unix:/run/litmus-proxy/proxy.sock\ndownstream:\n  listen_mode: \"0600\"\n");
    BOOST_TEST(cfg.downstream.unix_path == "/run/litmus-proxy/proxy.sock");
    BOOST_TEST(cfg.downstream.listen_mode.bits == 0600u);
    // Unquoted, YAML would read 0660 as a number; the loader takes the text as written.
    BOOST_TEST(load("downstream:\n  listen_mode: 0640\n").downstream.listen_mode.bits == 0640u);

    // The environment switches either way.
    auto env = env_credentials;
    env["LITMUS_PROXY_LISTEN"] = "unix:/tmp/p.sock";
    BOOST_TEST(load("listen: 127.0.0.1:8081\n", env).downstream.unix_path == "/tmp/p.sock");
    env["LITMUS_PROXY_LISTEN"] = "127.0.0.1:9000";
    auto back = load("listen: unix:/tmp/p.sock\n", env);
    BOOST_TEST(back.downstream.unix_path.empty());
    BOOST_TEST(back.downstream.listen.port == 9000);

    BOOST_TEST(error_of("listen: unix:proxy.sock\n") ==
               "config.yaml:1:9: listen: expected an absolute socket path after unix:, such as "
               "unix:/run/litmus-proxy/proxy.sock, got 'unix:proxy.sock'");
    BOOST_TEST(error_of("downstream:\n  listen_mode: \"4660\"\n") ==
               "config.yaml:2:16: downstream.listen_mode: expected an octal file mode such as \"0660\" (no setuid, "
               "setgid or sticky bits), got '4660'");
}

BOOST_AUTO_TEST_CASE(credentials_not_needed_loads_without_any)
{
    auto cfg = load_config_from_string("admin:\n  listen: 0.0.0.0:9191\n", "config.yaml", env_of({}),
                                       credentials_use::not_needed);
    BOOST_TEST(cfg.admin.listen.port == 9191);
    BOOST_TEST(cfg.credentials.client_id.empty());
    // Everything else is still checked.
    BOOST_CHECK_THROW(load_config_from_string("admin:\n  listen: pod:9090\n", "config.yaml", env_of({}),
                                              credentials_use::not_needed),
                      config_error);
}

// ---- errors: keys and node types ----------------------------------------------

BOOST_AUTO_TEST_CASE(unknown_top_level_key_is_named_with_its_line)
{
    BOOST_TEST(error_of("listen: 127.0.0.1:8080\n\nlistn: 127.0.0.1:8081\n") ==
               "config.yaml:3:1: unknown key 'listn' (known keys: listen, credentials, token, upstreams, "
               "upstream, downstream, tls, admin, log, users); did you mean 'listen'?");
    BOOST_TEST(error_of("verbose: true\n") ==
               "config.yaml:1:1: unknown key 'verbose' (known keys: listen, credentials, token, upstreams, "
               "upstream, downstream, tls, admin, log, users)");
}

BOOST_AUTO_TEST_CASE(unknown_keys_inside_every_section_are_errors)
{
    struct row {
        std::string_view yaml;
        std::string_view message;
    };
    const row rows[] = {
        {"token:\n  fetch_timeout: 1s\n  fetch_timout: 2s\n",
         "config.yaml:3:3: unknown key 'token.fetch_timout' (known keys: url, connect, fetch_timeout, "
         "wait_timeout, refresh_before, refresh_jitter, default_lifetime, max_lifetime, backoff_initial, "
         "backoff_max); did you mean 'fetch_timeout'?"},
        {"credentials:\n  secret: x\n",
         "config.yaml:2:3: unknown key 'credentials.secret' (known keys: client_id, client_secret, "
         "client_id_file, client_secret_file, watch_interval)"},
        {"upstream:\n  max_idle_connections: 3\n",
         "config.yaml:2:3: unknown key 'upstream.max_idle_connections' (known keys: connect_timeout, "
         "response_timeout, write_timeout, response_deadline, idle_timeout, max_idle)"},
        {"downstream:\n  listen: 127.0.0.1:1\n",
         "config.yaml:2:3: unknown key 'downstream.listen' (known keys: header_limit, body_limit, "
         "replay_limit, header_timeout, idle_timeout, io_timeout, target_limit, allowed_hosts, allowed_origins, "
         "drain_timeout, listen_mode)"},
        {"tls:\n  ca_files: /x\n",
         "config.yaml:2:3: unknown key 'tls.ca_files' (known keys: ca_file); did you mean 'ca_file'?"},
        {"upstreams:\n  - name: a\n    url: https://a.test\n    prefx: /a\n",
         "config.yaml:4:5: unknown key 'upstreams[0].prefx' (known keys: name, url, prefix, connect); "
         "did you mean 'prefix'?"},
    };
    for (const auto& t : rows)
        BOOST_TEST_CONTEXT(t.yaml) { BOOST_TEST(error_of(t.yaml) == t.message); }
}

BOOST_AUTO_TEST_CASE(a_key_given_twice_is_an_error)
{
    BOOST_TEST(error_of("token:\n  wait_timeout: 1s\n  wait_timeout: 2s\n") ==
               "config.yaml:3:3: token.wait_timeout: given twice (first at line 2)");
}

BOOST_AUTO_TEST_CASE(wrong_node_types_name_the_key)
{
    struct row {
        std::string_view yaml;
        std::string_view message;
    };
    const row rows[] = {
        {"listen: {host: 127.0.0.1}\n", "config.yaml:1:9: listen: expected HOST:PORT or unix:PATH, got a mapping"},
        {"token: 5\n", "config.yaml:1:8: token: expected a mapping of settings (key: value), got a single value"},
        {"token:\n  - url\n", "config.yaml:2:3: token: expected a mapping of settings (key: value), got a list"},
        {"token:\n  fetch_timeout: [1s]\n",
         "config.yaml:2:18: token.fetch_timeout: expected a duration such as 10s, got a list"},
        {"upstreams:\n  name: api\n",
         "config.yaml:2:3: upstreams: expected a list of upstreams (- name: ..., url: ...), got a mapping"},
        {"upstreams:\n  - https://api.litmus.com\n",
         "config.yaml:2:5: upstreams[0]: expected a mapping of settings (key: value), got a single value"},
        {"upstreams:\n  - name: [a]\n    url: https://a.test\n",
         "config.yaml:2:11: upstreams[0].name: expected a name such as api, got a list"},
        {"tls:\n  ca_file: {}\n", "config.yaml:2:12: tls.ca_file: expected a file path, got a mapping"},
        {"- listen\n", "config.yaml:1:1: expected a mapping of settings (key: value) at the top level, got a list"},
        {"just text\n",
         "config.yaml:1:1: expected a mapping of settings (key: value) at the top level, got a single value"},
        {"? [a, b]\n: 1\n", "config.yaml:1:3: setting names must be plain words, got a list"},
    };
    for (const auto& t : rows)
        BOOST_TEST_CONTEXT(t.yaml) { BOOST_TEST(error_of(t.yaml) == t.message); }
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_carry_the_line)
{
    auto msg = error_of("listen: 127.0.0.1:8080\ntoken:\n  fetch_timeout: [10s\nupstream:\n  max_idle: 3\n");
    BOOST_TEST(msg.starts_with("config.yaml:4:"), msg);
    BOOST_TEST(contains(msg, ": invalid YAML: "), msg);

    auto escape = error_of("token:\n  url: \"https://x\\q\"\n");
    BOOST_TEST(escape.starts_with("config.yaml:2:"), escape);
    BOOST_TEST(escape.ends_with(": invalid YAML: unknown escape character: q"), escape);
    BOOST_TEST(error_of("listen: 1\n  extra: 2\n") == "config.yaml:2:8: invalid YAML: illegal map value");
}

BOOST_AUTO_TEST_CASE(several_documents_are_refused)
{
    BOOST_TEST(error_of("listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n") ==
               "config.yaml:3:1: more than one YAML document ('---'); put all settings in one");
    // A trailing document marker alone is not a second document.
    BOOST_TEST(load("listen: 127.0.0.1:1\n---\n").downstream.listen.port == 1);
}

// yaml-cpp 0.7's LoadAll never returns on these (found by the config fuzzer):
// the start must fail with a message instead of hanging.
BOOST_AUTO_TEST_CASE(a_text_that_stalls_the_yaml_parser_is_refused)
{
    for (std::string_view text : {",", "0\n,isten: x\n", ",\n,\n"})
        BOOST_TEST_CONTEXT(text)
        {
            auto message = error_of(text);
            BOOST_TEST(message.find("config.yaml:") == 0u);
            BOOST_TEST(message.find("invalid YAML") != std::string::npos);
        }
}

// ---- errors: values ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(bad_values_name_key_line_and_column)
{
    struct row {
        std::string_view yaml;
        std::string_view message;
    };
    const row rows[] = {
        {"token:\n  fetch_timeout: soon\n",
         "config.yaml:2:18: token.fetch_timeout: expected a duration such as 500ms, 10s, 2m or 1h, got 'soon'"},
        {"log:\n  level: verbose\n",
         "config.yaml:2:10: log.level: expected debug, info, warn or error, got 'verbose'"},
        {"log:\n  access: yes\n", "config.yaml:2:11: log.access: expected true or false, got 'yes'"},
        {"admin:\n  listen: pod.local:9090\n",
         "config.yaml:2:11: admin.listen: the host must be an IP address or localhost (no DNS names), got "
         "'pod.local:9090'"},
        {"token:\n  fetch_timeout: 10m\n", "config.yaml:2:18: token.fetch_timeout: must be from 100ms to 5m, got '10m'"},
        {"token:\n  wait_timeout: 6m\n", "config.yaml:2:17: token.wait_timeout: must be from 0s to 5m, got '6m'"},
        {"token:\n  refresh_before: 0\n",
         "config.yaml:2:19: token.refresh_before: must be greater than 0 and at most 0.9, got '0'"},
        {"token:\n  refresh_before: 0.95\n",
         "config.yaml:2:19: token.refresh_before: must be greater than 0 and at most 0.9, got '0.95'"},
        {"token:\n  refresh_before: soon\n",
         "config.yaml:2:19: token.refresh_before: expected a number such as 0.2, got 'soon'"},
        {"token:\n  refresh_jitter: 0.7\n", "config.yaml:2:19: token.refresh_jitter: must be from 0 to 0.5, got '0.7'"},
        {"token:\n  default_lifetime: 5s\n",
         "config.yaml:2:21: token.default_lifetime: must be from 10s to 24h, got '5s'"},
        {"token:\n  max_lifetime: 200h\n", "config.yaml:2:17: token.max_lifetime: must be from 10s to 168h, got '200h'"},
        {"token:\n  backoff_initial: 5ms\n", "config.yaml:2:20: token.backoff_initial: must be from 10ms to 5m, got '5ms'"},
        {"token:\n  backoff_initial: 10s\n  backoff_max: 5s\n",
         "config.yaml:2:20: token.backoff_initial: must not exceed token.backoff_max (5s), got 10s"},
        {"token:\n  backoff_initial: 1m\n",
         "config.yaml:2:20: token.backoff_initial: must not exceed token.backoff_max (30s), got 1m"},
        {"token:\n  url: http://litmus.com/oauth/token\n",
         "config.yaml:2:8: token.url: must be an https URL, got 'http://litmus.com/oauth/token'"},
        {"upstream:\n  connect_timeout: 0\n", "config.yaml:2:20: upstream.connect_timeout: must be from 1ms to 1h, got '0'"},
        {"upstream:\n  response_timeout: 2h\n",
         "config.yaml:2:21: upstream.response_timeout: must be from 1ms to 1h, got '2h'"},
        {"upstream:\n  idle_timeout: -1s\n",
         "config.yaml:2:17: upstream.idle_timeout: expected a duration such as 500ms, 10s, 2m or 1h, got '-1s'"},
        {"upstream:\n  max_idle: 10001\n", "config.yaml:2:13: upstream.max_idle: must be from 0 to 10000, got '10001'"},
        {"upstream:\n  max_idle: many\n", "config.yaml:2:13: upstream.max_idle: expected a whole number such as 64, got 'many'"},
        {"downstream:\n  header_limit: 512\n",
         "config.yaml:2:17: downstream.header_limit: must be from 1KiB to 1MiB bytes, got '512'"},
        {"downstream:\n  header_limit: 2MiB\n",
         "config.yaml:2:17: downstream.header_limit: must be from 1KiB to 1MiB bytes, got '2MiB'"},
        {"downstream:\n  body_limit: 64MB\n",
         "config.yaml:2:15: downstream.body_limit: expected a size in bytes such as 65536, 64KiB, 8MiB or 1GiB, "
         "got '64MB' (units are KiB, MiB and GiB)"},
        {"downstream:\n  body_limit: 1MiB\n  replay_limit: 2MiB\n",
         "config.yaml:3:17: downstream.replay_limit: must not exceed downstream.body_limit (1MiB), got 2MiB"},
        {"downstream:\n  io_timeout: 1.5s\n",
         "config.yaml:2:15: downstream.io_timeout: expected a duration such as 500ms, 10s, 2m or 1h, got '1.5s' "
         "(whole numbers only: write 1500ms, not 1.5s)"},
        {"downstream:\n  allowed_hosts: proxy.example\n",
         "config.yaml:2:18: downstream.allowed_hosts: expected a list of a host name such as proxy.example, got a "
         "single value"},
        {"downstream:\n  allowed_hosts: [\"evil.example:8080\"]\n",
         "config.yaml:2:19: downstream.allowed_hosts[0]: expected a host name without port or scheme, such as "
         "litmus-proxy.default.svc, got 'evil.example:8080'"},
        {"downstream:\n  allowed_origins: [\"https://app.example/\"]\n",
         "config.yaml:2:21: downstream.allowed_origins[0]: expected an origin such as https://app.example or "
         "http://localhost:3000 (scheme, host and optional port; no path), got 'https://app.example/'"},
        {"downstream:\n  allowed_origins: [\"null\"]\n",
         "config.yaml:2:21: downstream.allowed_origins[0]: expected an origin such as https://app.example or "
         "http://localhost:3000 (scheme, host and optional port; no path), got 'null'"},
        {"downstream:\n  target_limit: 100\n",
         "config.yaml:2:17: downstream.target_limit: must be from 256 to 1MiB bytes, got '100'"},
        {"downstream:\n  drain_timeout: 2h\n",
         "config.yaml:2:18: downstream.drain_timeout: must be from 0s to 1h, got '2h'"},
        {"upstream:\n  response_deadline: 0\n",
         "config.yaml:2:22: upstream.response_deadline: must be from 1ms to 24h, got '0'"},
        {"downstream:\n  header_timeout: \"\"\n",
         "config.yaml:2:19: downstream.header_timeout: expected a duration such as 500ms, 10s, 2m or 1h, got ''"},
    };
    for (const auto& t : rows)
        BOOST_TEST_CONTEXT(t.yaml) { BOOST_TEST(error_of(t.yaml) == t.message); }
}

BOOST_AUTO_TEST_CASE(unset_dependent_limits_follow_a_smaller_bound)
{
    auto cfg = load("downstream:\n  body_limit: 1MiB\ntoken:\n  backoff_max: 100ms\n");
    BOOST_TEST(cfg.downstream.body_limit == 1ull << 20);
    BOOST_TEST(cfg.downstream.replay_limit == 1ull << 20);
    BOOST_TEST(cfg.token.backoff_max.count() == 100);
    BOOST_TEST(cfg.token.backoff_initial.count() == 100);
    auto zero = load("downstream:\n  replay_limit: 0\n");
    BOOST_TEST(zero.downstream.replay_limit == 0u);
}

BOOST_AUTO_TEST_CASE(upstream_entries_are_validated)
{
    struct row {
        std::string_view yaml;
        std::string_view message;
    };
    const row rows[] = {
        {"upstreams:\n  - name: api\n    url: https://api.litmus.com\n  - name: instant\n    url: http://x\n",
         "config.yaml:5:10: upstreams[1].url: must be an https URL, got 'http://x'"},
        {"upstreams:\n  - name: api\n    url: https://a.test\n    prefix: /a\n"
         "  - name: api\n    url: https://b.test\n    prefix: /b\n",
         "config.yaml:5:11: upstreams[1].name: duplicate name 'api' (also used by upstreams[0])"},
        {"upstreams:\n  - name: a\n    url: https://a.test\n    prefix: /x\n"
         "  - name: b\n    url: https://b.test\n    prefix: /x\n",
         "config.yaml:7:13: upstreams[1].prefix: duplicate prefix '/x' (also used by upstreams[0])"},
        {"upstreams:\n  - name: a\n    url: https://a.test\n    prefix: /x\n"
         "  - name: b\n    url: https://b.test\n    prefix: /x/y\n",
         "config.yaml:7:13: upstreams[1].prefix: prefix '/x/y' overlaps '/x' of upstreams[0]; a path must match "
         "one upstream only"},
        {"upstreams:\n  - name: a\n    url: https://a.test\n"
         "  - name: b\n    url: https://A.test:8443/other\n",
         "config.yaml:5:10: upstreams[1].url: host 'a.test' is also used by upstreams[0] (requests are routed by "
         "Host, so each upstream needs its own host)"},
        {"upstreams:\n  - name: API\n    url: https://a.test\n",
         "config.yaml:2:11: upstreams[0].name: must be lower-case letters, digits, '-' or '_', got 'API'"},
        {"upstreams:\n  - name: \"\"\n    url: https://a.test\n",
         "config.yaml:2:11: upstreams[0].name: must be lower-case letters, digits, '-' or '_', got ''"},
        {"upstreams:\n  - name: none\n    url: https://a.test\n",
         "config.yaml:2:11: upstreams[0].name: 'none' is reserved (the route of requests that match no upstream)"},
        {"upstreams:\n  - url: https://a.test\n",
         "config.yaml:2:5: upstreams[0]: missing key 'name' (each upstream needs a name and a url)"},
        {"upstreams:\n  - name: a\n", "config.yaml:2:5: upstreams[0]: missing key 'url' (each upstream needs a name and a url)"},
        {"upstreams: []\n",
         "config.yaml:1:12: upstreams: must list at least one upstream; leave the key out to use the defaults "
         "(api and instant)"},
        {"upstreams:\n  - {name: a, url: 'https://a.test', prefix: /_litmus}\n",
         "config.yaml:2:46: upstreams[0].prefix: '/_litmus' is reserved for the proxy's own endpoints, got '/_litmus'"},
    };
    for (const auto& t : rows)
        BOOST_TEST_CONTEXT(t.yaml) { BOOST_TEST(error_of(t.yaml) == t.message); }
}

BOOST_AUTO_TEST_CASE(prefixes_must_be_clean_paths)
{
    const std::pair<std::string_view, std::string_view> bad[] = {
        {"api", "must start with '/', such as /api, got 'api'"},
        {"/api/", "must not end with '/', such as /api, got '/api/'"},
        {"/", "must not end with '/', such as /api, got '/'"},
        {"/a//b", "must not have empty, '.' or '..' segments, got '/a//b'"},
        {"/a/../b", "must not have empty, '.' or '..' segments, got '/a/../b'"},
        {"/a%20b", "may hold only letters, digits, '/' and -._~!$&'()*+,;=:@ (no spaces or percent-encoding), got '/a%20b'"},
        {"/a?b", "may hold only letters, digits, '/' and -._~!$&'()*+,;=:@ (no spaces or percent-encoding), got '/a?b'"},
        {"/_litmus/x", "'/_litmus' is reserved for the proxy's own endpoints, got '/_litmus/x'"},
    };
    for (const auto& [prefix, why] : bad) {
        BOOST_TEST_CONTEXT(prefix)
        {
            auto yaml = "upstreams:\n  - name: a\n    url: https://a.test\n    prefix: \"" + std::string(prefix) + "\"\n";
            BOOST_TEST(error_of(yaml) == "config.yaml:4:13: upstreams[0].prefix: " + std::string(why));
        }
    }
    // Host routing only, several of them; and a prefix merely starting with "/_litmus".
    auto cfg = load("upstreams:\n  - {name: a, url: 'https://a.test', prefix: ''}\n"
                    "  - {name: b, url: 'https://b.test'}\n  - {name: c, url: 'https://c.test', prefix: /_litmusx}\n");
    BOOST_TEST_REQUIRE(cfg.upstreams.size() == 3u);
    BOOST_TEST(cfg.upstreams[0].prefix == "");
    BOOST_TEST(cfg.upstreams[1].prefix == "");
    BOOST_TEST(cfg.upstreams[2].prefix == "/_litmusx");
}

// ---- credentials ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(credentials_come_from_files_trimmed)
{
    temp_dir dir;
    auto id_path = dir.write("id", "id-from-file\n");
    auto secret_path = dir.write("secret", "secret-from-file \t\r\n\n");
    auto cfg = load("credentials:\n  client_id_file: " + id_path + "\n  client_secret_file: " + secret_path + "\n",
                    {});
    BOOST_TEST(cfg.credentials.client_id == "id-from-file");
    BOOST_TEST(cfg.credentials.client_secret == "secret-from-file");
    BOOST_TEST(cfg.credentials.client_id_file == id_path);
    BOOST_TEST(cfg.credentials.client_secret_file == secret_path);
}

// Every row also has a $CREDENTIALS_DIRECTORY (systemd's LoadCredential=
// copies client_secret there), which only the last row leaves to be used.
BOOST_AUTO_TEST_CASE(credential_sources_in_order_of_precedence)
{
    temp_dir dir;
    auto cfg_file = dir.write("cfg-secret", "from-config-file\n");
    auto env_file = dir.write("env-secret", "from-env-file\n");
    std::filesystem::create_directory(dir.path / "credentials");
    auto systemd_file = dir.write("credentials/client_secret", "from-systemd\n");
    struct row {
        std::string name;
        std::string yaml;
        env_map env;
        std::string secret;
        std::string secret_file;
    };
    const row rows[] = {
        {"config value beats everything",
         "credentials:\n  client_secret: from-config\n",
         {{"LITMUS_CLIENT_SECRET", "from-env"}, {"LITMUS_CLIENT_SECRET_FILE", env_file}},
         "from-config",
         ""},
        {"config file beats environment",
         "credentials:\n  client_secret_file: " + cfg_file + "\n",
         {{"LITMUS_CLIENT_SECRET", "from-env"}},
         "from-config-file",
         cfg_file},
        {"environment value", "", {{"LITMUS_CLIENT_SECRET", "from-env"}}, "from-env", ""},
        {"environment file", "", {{"LITMUS_CLIENT_SECRET_FILE", env_file}}, "from-env-file", env_file},
        {"empty values count as unset",
         "credentials:\n  client_secret: ''\n",
         {{"LITMUS_CLIENT_SECRET", ""}, {"LITMUS_CLIENT_SECRET_FILE", env_file}},
         "from-env-file",
         env_file},
        {"systemd credentials directory last", "", {}, "from-systemd", systemd_file},
    };
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.name)
        {
            auto env = t.env;
            env["LITMUS_CLIENT_ID"] = "the-id";
            env["CREDENTIALS_DIRECTORY"] = (dir.path / "credentials").string();
            auto cfg = load(t.yaml, env);
            BOOST_TEST(cfg.credentials.client_id == "the-id");
            BOOST_TEST(cfg.credentials.client_secret == t.secret);
            BOOST_TEST(cfg.credentials.client_secret_file == t.secret_file);
        }
    }
}

BOOST_AUTO_TEST_CASE(value_and_file_for_the_same_credential_is_an_error)
{
    temp_dir dir;
    auto path = dir.write("secret", "file-secret-value\n");
    auto msg = error_of("credentials:\n  client_secret: inline-secret-value\n  client_secret_file: " + path + "\n");
    BOOST_TEST(msg ==
               "config.yaml:3:23: credentials.client_secret_file: give either credentials.client_secret or "
               "credentials.client_secret_file, not both");
    BOOST_TEST(!contains(msg, "secret-value"));

    auto env_msg = error_of("", {{"LITMUS_CLIENT_ID", "env-id-value"}, {"LITMUS_CLIENT_ID_FILE", path}});
    BOOST_TEST(env_msg ==
               "environment LITMUS_CLIENT_ID_FILE: set either LITMUS_CLIENT_ID or LITMUS_CLIENT_ID_FILE, not both");
}

BOOST_AUTO_TEST_CASE(missing_credentials_say_which_and_how_to_set_them)
{
    BOOST_TEST(error_of("", {}) == "missing client id and client secret: " + missing_help);
    BOOST_TEST(error_of("", {{"LITMUS_CLIENT_ID", "id"}}) == "missing client secret: " + missing_help);
    BOOST_TEST(error_of("credentials:\n  client_secret: s\n", {}) == "missing client id: " + missing_help);
    try {
        load_config(std::nullopt, env_of({{"LITMUS_CLIENT_SECRET", "s"}}));
        BOOST_ERROR("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(std::string(e.what()) == "missing client id: " + missing_help);
    }
}

BOOST_AUTO_TEST_CASE(unusable_credential_files_name_key_and_path)
{
    temp_dir dir;
    auto empty = dir.write("empty", " \n\n");
    auto big_content = "TOPSECRET" + std::string(70 * 1024, 'x');
    auto big = dir.write("big", big_content);
    auto missing = (dir.path / "missing").string();
    auto directory = dir.path.string();
    struct row {
        std::string yaml;
        env_map env;
        std::string message;
    };
    const row rows[] = {
        {"credentials:\n  client_id: i\n  client_secret_file: " + missing + "\n", {},
         "config.yaml:3:23: credentials.client_secret_file: cannot read '" + missing + "': No such file or directory"},
        {"credentials:\n  client_id: i\n  client_secret_file: " + directory + "\n", {},
         "config.yaml:3:23: credentials.client_secret_file: cannot read '" + directory + "': Is a directory"},
        {"credentials:\n  client_id_file: " + empty + "\n", {{"LITMUS_CLIENT_SECRET", "s"}},
         "config.yaml:2:19: credentials.client_id_file: '" + empty + "' is empty"},
        {"credentials:\n  client_id: i\n  client_secret_file: " + big + "\n", {},
         "config.yaml:3:23: credentials.client_secret_file: '" + big +
             "' is larger than 64KiB; it should hold only the credential"},
        {"", {{"LITMUS_CLIENT_ID", "i"}, {"LITMUS_CLIENT_SECRET_FILE", missing}},
         "environment LITMUS_CLIENT_SECRET_FILE: cannot read '" + missing + "': No such file or directory"},
        {"", {{"LITMUS_CLIENT_ID", "i"}, {"LITMUS_CLIENT_SECRET_FILE", big}},
         "environment LITMUS_CLIENT_SECRET_FILE: '" + big + "' is larger than 64KiB; it should hold only the credential"},
    };
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.yaml)
        {
            auto msg = error_of(t.yaml, t.env);
            BOOST_TEST(msg == t.message);
            BOOST_TEST(!contains(msg, "TOPSECRET"));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_credential_the_unit_does_not_load_is_not_given)
{
    temp_dir dir;
    dir.write("client_id", "systemd-id\n");
    const env_map only_id{{"CREDENTIALS_DIRECTORY", dir.path.string()}};
    BOOST_TEST(error_of("", only_id) == "missing client secret: " + missing_help);
    auto env = only_id;
    env["LITMUS_CLIENT_SECRET"] = "from-env";
    auto cfg = load("", env);
    BOOST_TEST(cfg.credentials.client_id == "systemd-id");
    BOOST_TEST(cfg.credentials.client_secret == "from-env");
    BOOST_TEST(error_of("", {{"CREDENTIALS_DIRECTORY", (dir.path / "none").string()}}) ==
               "missing client id and client secret: " + missing_help);
}

BOOST_AUTO_TEST_CASE(unusable_files_in_the_credentials_directory_name_the_variable_and_path)
{
    temp_dir dir;
    dir.write("client_id", "TOPSECRET-id\n");
    auto empty = dir.write("client_secret", " \n");
    const env_map env{{"CREDENTIALS_DIRECTORY", dir.path.string()}};
    auto msg = error_of("", env);
    BOOST_TEST(msg == "environment CREDENTIALS_DIRECTORY: '" + empty + "' is empty");
    BOOST_TEST(!contains(msg, "TOPSECRET"));

    std::filesystem::remove(empty);
    std::filesystem::create_directory(empty);
    BOOST_TEST(error_of("", env) == "environment CREDENTIALS_DIRECTORY: cannot read '" + empty + "': Is a directory");
}

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_messages)
{
    const std::string id = "id-4f1c9a";
    const std::string secret = "s3cr3t-9b2e77";
    const std::string creds = "credentials:\n  client_id: " + id + "\n  client_secret: " + secret + "\n";
    const std::string rows[] = {
        creds + "token:\n  fetch_timeout: soon\n",
        creds + "listn: 127.0.0.1:8080\n",
        creds + "upstreams:\n  - name: a\n    url: https://a.test\n  - name: a\n    url: https://b.test\n",
        creds + "token:\n  url: \"https://user:" + secret + "@litmus.com/oauth/token\"\n",
        creds + "token:\n  url: \"https://litmus.com/oauth/token?client_secret=" + secret + "\"\n",
        creds + "token:\n  url: \"http://user:" + secret + "@bad host/\"\n",
        creds + "tls:\n  ca_file: /nonexistent/ca.pem\n",
        "credentials: " + secret + "\n",
        "credentials:\n  client_secret: {value: " + secret + "}\n",
        "credentials:\n  client_secret: [" + secret + "]\n",
        "credentials:\n  client_id: " + id + "\n  client_id_file: /dev/null\n",
        "credentials:\n  client_id: " + id + "\n  client_secret: " + secret + "\n  client_secret: " + secret + "\n",
        "credentials:\n  client_id: " + id + "\n  client_secret: \"" + secret + "\\q\"\n",  // bad escape
        "credentials:\n  client_id: " + id + "\n  client_secret: [" + secret + "\n",  // unclosed list
    };
    for (const auto& yaml : rows) {
        BOOST_TEST_CONTEXT(yaml)
        {
            auto msg = error_of(yaml, {});
            BOOST_TEST(!msg.empty());
            BOOST_TEST(!contains(msg, secret), msg);
            BOOST_TEST(!contains(msg, id), msg);
        }
    }
}

// ---- environment overrides -------------------------------------------------------

BOOST_AUTO_TEST_CASE(environment_overrides_the_file)
{
    temp_dir dir;
    auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    auto env = env_credentials;
    env["LITMUS_PROXY_LISTEN"] = "0.0.0.0:9000";
    env["LITMUS_TOKEN_URL"] = "https://127.0.0.1:8443/oauth/token";
    env["LITMUS_TLS_CA_FILE"] = ca;
    env["LITMUS_PROXY_ADMIN_LISTEN"] = "127.0.0.1:0";
    env["LITMUS_PROXY_LOG_LEVEL"] = "warn";
    auto cfg = load("listen: 127.0.0.1:8081\ntoken:\n  url: https://other.test/token\ntls:\n  ca_file: /nonexistent\n",
                    env);
    BOOST_TEST(cfg.downstream.listen.host == "0.0.0.0");
    BOOST_TEST(cfg.downstream.listen.port == 9000);
    BOOST_TEST(cfg.token.url == "https://127.0.0.1:8443/oauth/token");
    BOOST_TEST(cfg.token.parsed.host == "127.0.0.1");
    BOOST_TEST(cfg.token.parsed.port == 8443);
    BOOST_TEST(cfg.token.parsed.path == "/oauth/token");
    BOOST_TEST(cfg.tls.ca_file == ca);
    BOOST_TEST(cfg.admin.listen.port == 0);
    BOOST_TEST((cfg.log.level == log_level::warn));

    // Empty variables are unset.
    auto kept = load("listen: 127.0.0.1:8081\n", {{"LITMUS_CLIENT_ID", "i"},
                                                  {"LITMUS_CLIENT_SECRET", "s"},
                                                  {"LITMUS_PROXY_LISTEN", ""},
                                                  {"LITMUS_TOKEN_URL", ""}});
    BOOST_TEST(kept.downstream.listen.port == 8081);
    BOOST_TEST(kept.token.url == "https://litmus.com/oauth/token");
}

BOOST_AUTO_TEST_CASE(bad_environment_values_name_the_variable)
{
    struct row {
        std::string variable;
        std::string value;
        std::string message;
    };
    const row rows[] = {
        {"LITMUS_PROXY_LISTEN", "example.com:80",
         "environment LITMUS_PROXY_LISTEN: the host must be an IP address or localhost (no DNS names), got "
         "'example.com:80'"},
        {"LITMUS_PROXY_LISTEN", "8080",
         "environment LITMUS_PROXY_LISTEN: expected HOST:PORT such as 127.0.0.1:8443 (the port is required), got "
         "'8080'"},
        {"LITMUS_TOKEN_URL", "http://litmus.com/oauth/token",
         "environment LITMUS_TOKEN_URL: must be an https URL, got 'http://litmus.com/oauth/token'"},
        {"LITMUS_PROXY_ADMIN_LISTEN", "pod:9090",
         "environment LITMUS_PROXY_ADMIN_LISTEN: the host must be an IP address or localhost (no DNS names), got "
         "'pod:9090'"},
        {"LITMUS_PROXY_LOG_LEVEL", "verbose",
         "environment LITMUS_PROXY_LOG_LEVEL: expected debug, info, warn or error, got 'verbose'"},
        {"LITMUS_TLS_CA_FILE", "/nonexistent/ca.pem",
         "environment LITMUS_TLS_CA_FILE: cannot read '/nonexistent/ca.pem': No such file or directory"},
    };
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.variable << "=" << t.value)
        {
            auto env = env_credentials;
            env[t.variable] = t.value;
            BOOST_TEST(error_of("", env) == t.message);
        }
    }
}

BOOST_AUTO_TEST_CASE(ca_file_must_be_readable)
{
    BOOST_TEST(error_of("\ntls:\n  ca_file: /nonexistent/ca.pem\n") ==
               "config.yaml:3:12: tls.ca_file: cannot read '/nonexistent/ca.pem': No such file or directory");
    BOOST_TEST(load("tls:\n  ca_file: ''\n").tls.ca_file == "");
}

// ---- files ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(load_config_names_a_missing_file)
{
    try {
        load_config(std::string("/nonexistent/litmus-proxy.yaml"), env_of(env_credentials));
        BOOST_ERROR("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "cannot read config file '/nonexistent/litmus-proxy.yaml': No such file or directory");
    }
}

BOOST_AUTO_TEST_CASE(load_config_reads_a_file_and_names_it_in_errors)
{
    temp_dir dir;
    auto good = dir.write("good.yaml", "listen: 127.0.0.1:8181\n");
    auto cfg = load_config(good, env_of(env_credentials));
    BOOST_TEST(cfg.source == good);
    BOOST_TEST(cfg.downstream.listen.port == 8181);

    auto bad = dir.write("bad.yaml", "listen: 127.0.0.1:8181\ntoken:\n  fetch_timeout: soon\n");
    try {
        load_config(bad, env_of(env_credentials));
        BOOST_ERROR("expected a config_error");
    } catch (const config_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   bad + ":3:18: token.fetch_timeout: expected a duration such as 500ms, 10s, 2m or 1h, got 'soon'");
    }
}

// Without --config: the default file when it exists (LITMUS_PROXY_CONFIG
// moves it), else the built-in defaults; --config always wins.
BOOST_AUTO_TEST_CASE(config_path_is_the_given_one_else_the_default_file_when_it_exists)
{
    // The path config_path_to_load() picks, "<defaults>" for none.
    auto picked = [](const std::optional<std::string>& given, env_map env) {
        return config_path_to_load(given, env_of(std::move(env))).value_or("<defaults>");
    };
    temp_dir dir;
    auto present = dir.write("config.yaml", "listen: 127.0.0.1:8181\n");
    const auto missing = (dir.path / "absent.yaml").string();
    const auto under_a_file = present + "/config.yaml";  // ENOTDIR

    BOOST_TEST(picked("/given.yaml", {{"LITMUS_PROXY_CONFIG", present}}) == "/given.yaml");
    BOOST_TEST(picked(std::nullopt, {{"LITMUS_PROXY_CONFIG", present}}) == present);
    BOOST_TEST(picked(std::nullopt, {{"LITMUS_PROXY_CONFIG", missing}}) == "<defaults>");
    BOOST_TEST(picked(std::nullopt, {{"LITMUS_PROXY_CONFIG", under_a_file}}) == "<defaults>");

    // Present but not a readable file: picked, so that loading names it.
    const auto directory = dir.path.string();
    BOOST_TEST_REQUIRE(picked(std::nullopt, {{"LITMUS_PROXY_CONFIG", directory}}) == directory);
    BOOST_CHECK_THROW(load_config(directory, env_of(env_credentials)), config_error);

    // Unset or empty: /etc/litmus-proxy/config.yaml, when this machine has one.
    BOOST_TEST(default_config_path == "/etc/litmus-proxy/config.yaml");
    const std::string expected =
        std::filesystem::exists(default_config_path) ? std::string(default_config_path) : "<defaults>";
    BOOST_TEST(picked(std::nullopt, {}) == expected);
    BOOST_TEST(picked(std::nullopt, {{"LITMUS_PROXY_CONFIG", ""}}) == expected);
}

BOOST_AUTO_TEST_CASE(example_config_documents_the_defaults)
{
    auto path = repo_root() / "config" / "litmus-proxy.example.yaml";
    BOOST_TEST_REQUIRE(std::filesystem::exists(path), path);
    auto cfg = load_config(path.string(), env_of(env_credentials));
    check_defaults(cfg);
}

BOOST_AUTO_TEST_CASE(demo_config_points_everything_at_the_local_fake)
{
    temp_dir dir;
    auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    auto env = env_credentials;
    env["LITMUS_TLS_CA_FILE"] = ca;  // the demo script creates the real one
    // So does it the users' key.
    env["LITMUS_PROXY_USERS_KEY"] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    auto path = repo_root() / "config" / "demo.yaml";
    BOOST_TEST_REQUIRE(std::filesystem::exists(path), path);
    auto cfg = load_config(path.string(), env_of(env));
    BOOST_TEST_REQUIRE(cfg.token.connect.has_value());
    BOOST_TEST(cfg.token.connect->host == "127.0.0.1");
    BOOST_TEST(cfg.token.connect->port == 8443);
    BOOST_TEST(cfg.token.parsed.host == "litmus.com");
    check_default_upstreams([&] {
        auto copy = cfg;
        for (auto& u : copy.upstreams)
            u.connect.reset();
        return copy;
    }());
    for (const auto& u : cfg.upstreams) {
        BOOST_TEST_CONTEXT(u.name)
        {
            BOOST_TEST_REQUIRE(u.connect.has_value());
            BOOST_TEST(u.connect->host == "127.0.0.1");
            BOOST_TEST(u.connect->port == 8443);
        }
    }
    // The demo's users flow: the default authorize page (the demo's browser
    // is sent to the fake), tokens kept in the build tree.
    BOOST_TEST_REQUIRE(cfg.users.has_value());
    BOOST_TEST(cfg.users->authorize_url == "https://litmus.com/oauth/authorize");
    BOOST_TEST(cfg.users->store_location.target == "build/demo/users.db");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::config

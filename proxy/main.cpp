// litmus-proxy: wiring only. Load the configuration, build the proxy, run it
// until SIGINT/SIGTERM, drain, exit. SIGHUP re-reads log.level and the
// credential files.

#include "proxy/cli/check_command.hpp"
#include "proxy/cli/health_command.hpp"
#include "proxy/config/config_loader.hpp"
#include "proxy/core/log.hpp"
#include "proxy/downstream/socket_activation.hpp"
#include "proxy/proxy_app.hpp"

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace {

// Exit codes (documented in the README).
constexpr int exit_ok = 0;         // stopped by SIGTERM/SIGINT after draining
constexpr int exit_runtime = 1;    // could not start: port taken, CA bundle unreadable, ...
constexpr int exit_usage = 2;      // bad command line or configuration

constexpr std::string_view usage_text = R"(usage: litmus-proxy [--config FILE] [--check-config]
       litmus-proxy check [--config FILE]
       litmus-proxy health [--config FILE]

A local sidecar that holds Litmus OAuth client credentials, keeps a valid
access token and forwards plain HTTP requests to the Litmus API over TLS with
"Authorization: Bearer <token>" added.

check: validate the configuration, fetch a token, call
GET /v3/ping/authenticated on the api upstream, and print what worked (token
lifetime, application, TLS version and trust store; never the token). Exit 0
passed, 1 failed with a one-line cause, 2 bad configuration.

health: ask the running proxy's admin listener (admin.listen; 0.0.0.0 is
asked on 127.0.0.1) GET /healthz within 2 s, for a container HEALTHCHECK.
Exit 0 healthy, 1 not, with a one-line cause. Needs no credentials.

options:
  -c, --config FILE   YAML configuration (default: /etc/litmus-proxy/config.yaml
                      if it exists, else the built-in defaults; the environment
                      variable LITMUS_PROXY_CONFIG names another default file)
      --check-config  load and validate the configuration, then exit
  -h, --help          show this help
      --version       show the version

credentials come from the config file (credentials.*) or the environment:
  LITMUS_CLIENT_ID, LITMUS_CLIENT_SECRET
  LITMUS_CLIENT_ID_FILE, LITMUS_CLIENT_SECRET_FILE   (files holding them)
  $CREDENTIALS_DIRECTORY/client_id, client_secret    (systemd LoadCredential=)
never from the command line.

listen: unix:PATH makes the proxy listener a Unix-domain socket (mode
downstream.listen_mode). Under systemd socket activation (LISTEN_FDS) the
socket passed in is the proxy listener and `listen` is not used.

signals: SIGTERM/SIGINT drain and exit (a second one exits at once); SIGHUP
re-reads log.level from the config file and every credential file.

exit codes: 0 stopped cleanly (SIGTERM/SIGINT, after draining), 1 could not
start or a second signal cut the drain short, 2 bad usage or configuration
)";

struct options {
    std::optional<std::string> config_path;
    bool check_only = false;
    bool check = false;   ///< the `check` command
    bool health = false;  ///< the `health` command
};

std::optional<options> parse_args(int argc, char** argv, int& exit_code)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            std::cout << usage_text;
            exit_code = exit_ok;
            return std::nullopt;
        }
        if (a == "--version") {
            std::cout << "litmus-proxy " LITMUS_PROXY_VERSION "\n";
            exit_code = exit_ok;
            return std::nullopt;
        }
        if (i == 1 && a == "check") {
            o.check = true;
        } else if (i == 1 && a == "health") {
            o.health = true;
        } else if (a == "--check-config") {
            o.check_only = true;
        } else if ((a == "-c" || a == "--config") && i + 1 < argc) {
            o.config_path = argv[++i];
        } else if (a.starts_with("--config=")) {
            o.config_path = std::string(a.substr(9));
        } else {
            std::cerr << "litmus-proxy: unknown or incomplete option '" << a << "'\n\n" << usage_text;
            exit_code = exit_usage;
            return std::nullopt;
        }
    }
    return o;
}

// SIGHUP: the config file's log.level first (so the re-read below logs at the
// new level), then every credential file, changed or not. A config that no
// longer loads keeps the running level; nothing else of the config is
// applied without a restart.
void reload(litmus::proxy_app& app, const std::optional<std::string>& config_path)
{
    using namespace litmus;
    try {
        auto fresh = config::load_config(config_path, config::process_env());
        log::set_level(fresh.log.level);
    } catch (const config::config_error& e) {
        log::error("reload_failed", {{"error", e.what()}, {"action", "keeping the previous log level"}});
    }
    app.reread_credentials();
    log::info("reloaded", {{"config", config_path.value_or("<defaults>")}});
}

}  // namespace

int main(int argc, char** argv)
{
    using namespace litmus;
    int exit_code = exit_ok;
    auto opts = parse_args(argc, argv, exit_code);
    if (!opts)
        return exit_code;
    // Resolved once: SIGHUP re-reads the same file.
    opts->config_path = config::config_path_to_load(opts->config_path, config::process_env());

    // Before the configuration is loaded as for a start: health needs no
    // credentials, and reports a bad configuration as unhealthy (1), not 2.
    if (opts->health)
        return cli::run_health_command(opts->config_path, config::process_env(), std::cout, std::cerr);

    config::proxy_config cfg;
    try {
        cfg = config::load_config(opts->config_path, config::process_env());
    } catch (const config::config_error& e) {
        std::cerr << "litmus-proxy: " << e.what() << "\n";
        return exit_usage;
    }
    log::set_level(cfg.log.level);
    if (opts->check)
        return cli::run_check(cfg, std::cout, std::cerr);
    if (opts->check_only) {
        std::cout << "configuration OK (" << cfg.source << ")\n";
        return exit_ok;
    }

    // A client that disconnects mid-write must be an error code, not a signal.
    std::signal(SIGPIPE, SIG_IGN);

    // One thread runs the io_context and owns every socket and timer, so
    // the reactor's per-descriptor locks are dropped (two lock pairs per
    // request). The scheduler keeps its lock: the users store's worker
    // thread and Asio's resolver thread post completions to it.
    net::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    std::unique_ptr<proxy_app> app;

    // The signal sets exist before the app is built (binding, reading the CA
    // and credential files), so a signal during start-up is not fatal: its
    // handler runs once run() starts, with the app built.
    net::signal_set hangups(ioc, SIGHUP);
    std::function<void()> await_hangup = [&] {
        hangups.async_wait([&](const error_code& ec, int) {
            if (ec)
                return;
            reload(*app, opts->config_path);
            await_hangup();
        });
    };
    await_hangup();

    // First signal: drain (bounded by downstream.drain_timeout). When the
    // drain is done nothing is left on the io_context and run() returns, so
    // every coroutine frame has ended before `app` is destroyed. A second
    // signal means the operator will not wait: exit at once.
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const error_code& ec, int sig) {
        if (ec)
            return;
        log::info("signal", {{"signal", sig}, {"action", "drain"}});
        signals.async_wait([](const error_code& ec2, int sig2) {
            if (ec2)
                return;
            log::warn("forced_exit", {{"signal", sig2}, {"note", "second signal during drain"}});
            std::_Exit(exit_runtime);
        });
        app->drain([&] {
            signals.cancel();
            hangups.cancel();
        });
    });

    try {
        app = std::make_unique<proxy_app>(ioc, cfg, downstream::take_activated_socket());
    } catch (const std::exception& e) {
        log::error("start_failed", {{"error", e.what()}});
        std::cerr << "litmus-proxy: cannot start: " << e.what() << "\n";
        return exit_runtime;
    }

    app->start();
    // Before "listening": whoever waits for that line finds both ports.
    auto admin_ep = app->admin_endpoint();
    log::info("admin_listening", {{"address", admin_ep.address().to_string()}, {"port", admin_ep.port()}});
    auto at = app->proxy_address();
    json::object listening;
    if (at.tcp_address) {
        listening.emplace("address", at.tcp_address->address().to_string());
        listening.emplace("port", at.tcp_address->port());
    } else {
        listening.emplace("path", at.unix_path);
    }
    if (at.activated)
        listening.emplace("socket_activation", true);
    listening.emplace("config", cfg.source);
    listening.emplace("token_url", cfg.token.url);
    listening.emplace("upstreams", cfg.upstreams.size());
    log::info("listening", listening);
    ioc.run();
    log::info("stopped");
    return exit_ok;
}

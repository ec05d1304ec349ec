// litmus-fake: the fake Litmus as a standalone server, for the demo and the
// benchmark. See --help.

#include "tests/support/fake_litmus.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

constexpr std::string_view usage = R"(usage: litmus-fake [options]

A fake Litmus for local demos and benchmarks: one HTTPS listener serving
  POST https://litmus.com/oauth/token            (JSON body; client_credentials,
                                                  refresh_token, authorization_code)
  GET  https://litmus.com/oauth/authorize        (response_type=code, client_id,
                                                  redirect_uri, state, scope=full;
                                                  redirects back with a code at
                                                  once; login_as=NAME picks the
                                                  end user, default alice)
  GET  https://api.litmus.com/v3/ping/authenticated
  GET  https://api.litmus.com/v2/users/current
  GET  https://api.litmus.com/v2/user_settings/clients
  GET  https://api.litmus.com/v2/user_settings/clients/configuration_url
  POST https://instant-api.litmus.com/v1/emails
  GET  https://instant-api.litmus.com/v1/emails
  GET  /bench/bytes/<n>  on any of those hosts (n bytes, no token needed)
  any other path on api.litmus.com / instant-api.litmus.com: a JSON echo.
API answers have the shapes the Litmus documentation shows and are gzipped
when the request's Accept-Encoding allows it. They answer for the token's
user: an end user's after the authorization-code flow, else the client's.
Hosts are chosen by the Host header. The TLS certificate comes from a CA made
at start-up (valid one day) for those names, localhost and 127.0.0.1; trust
it with the file written to --ca-out.

options:
  --listen HOST:PORT        address to listen on (default 127.0.0.1:8443;
                            port 0 picks a free one, printed at start-up)
  --ca-out FILE             where to write the CA certificate, PEM
                            (default ./litmus-fake-ca.pem)
  --client-id ID            accepted client_id (default demo-client)
  --client-secret SECRET    accepted client_secret (default demo-secret)
  --expires-in SECONDS|none token lifetime; none omits expires_in and tokens
                            never expire (default 7200)
  --refresh-tokens          also issue refresh tokens (rotated on use)
  --quiet                   do not log each request
  --help                    this text

On start-up it prints one line to stdout:
  litmus-fake listening on HOST:PORT (CA: FILE)
then logs one line per request to stderr (tokens shortened to 6 characters),
and runs until SIGINT or SIGTERM, exiting 0.
)";

[[noreturn]] void bad_usage(const std::string& msg)
{
    std::cerr << "litmus-fake: " << msg << "\n(see litmus-fake --help)\n";
    std::exit(2);
}

// Never logs a whole token: enough to tell tokens apart, not to use one.
std::string shorten(std::string_view token)
{
    if (token.size() <= 6)
        return std::string(token);
    return std::string(token.substr(0, 6)) + "\u2026";
}

void log_request(const litmus::fake::served_request& s)
{
    std::string line = "litmus-fake: " + s.request.method + " " + s.request.host + " " + s.request.target + " -> ";
    line += s.status ? std::to_string(s.status) : std::string(s.outcome);
    if (std::string token = s.request.bearer_token(); !token.empty())
        line += " token=" + shorten(token);
    line += '\n';
    // One write(2) per line: the log stays line-atomic whatever else writes.
    ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    (void)n;
}

}  // namespace

int main(int argc, char** argv)
{
    litmus::fake::fake_options opts;
    opts.port = 8443;
    opts.client_id = "demo-client";
    opts.client_secret = "demo-secret";
    // A benchmark sends millions of requests; counting them is enough.
    opts.keep_records = false;
    std::string ca_out = "litmus-fake-ca.pem";
    bool quiet = false;

    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                bad_usage(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        } else if (arg == "--listen") {
            std::string v = value();
            auto colon = v.rfind(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == v.size())
                bad_usage("--listen wants HOST:PORT");
            std::string host = v.substr(0, colon);
            if (host.size() > 2 && host.front() == '[' && host.back() == ']')
                host = host.substr(1, host.size() - 2);
            char* end = nullptr;
            unsigned long port = std::strtoul(v.c_str() + colon + 1, &end, 10);
            if (*end != '\0' || port > 65535)
                bad_usage("bad port in --listen " + v);
            opts.listen_host = host;
            opts.port = static_cast<std::uint16_t>(port);
        } else if (arg == "--ca-out") {
            ca_out = value();
        } else if (arg == "--client-id") {
            opts.client_id = value();
        } else if (arg == "--client-secret") {
            opts.client_secret = value();
        } else if (arg == "--expires-in") {
            std::string v = value();
            if (v == "none") {
                opts.expires_in.reset();
            } else {
                char* end = nullptr;
                long s = std::strtol(v.c_str(), &end, 10);
                if (v.empty() || *end != '\0' || s < 0 || s > 100'000'000)
                    bad_usage("--expires-in wants a number of seconds or 'none'");
                opts.expires_in = static_cast<int>(s);
            }
        } else if (arg == "--refresh-tokens") {
            opts.issue_refresh_tokens = true;
        } else if (arg == "--quiet") {
            quiet = true;
        } else {
            bad_usage("unknown option " + std::string(arg));
        }
    }
    if (!quiet)
        opts.on_request = log_request;

    // Blocked before the server thread exists, so it inherits the mask and
    // the signals reach sigwait() below instead of killing the process.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    try {
        litmus::fake::fake_litmus fake(opts);
        {
            std::ofstream out(ca_out, std::ios::binary | std::ios::trunc);
            out << fake.ca_pem();
            out.close();
            if (!out) {
                std::cerr << "litmus-fake: cannot write " << ca_out << "\n";
                return 1;
            }
        }
        std::error_code ec;
        auto ca_abs = std::filesystem::absolute(ca_out, ec);
        std::cout << "litmus-fake listening on " << fake.endpoint() << " (CA: " << (ec ? ca_out : ca_abs.string())
                  << ")" << std::endl;

        int sig = 0;
        sigwait(&stop_signals, &sig);
        std::cerr << "litmus-fake: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping after "
                  << fake.request_count() << " requests\n";
    } catch (const std::exception& e) {
        std::cerr << "litmus-fake: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

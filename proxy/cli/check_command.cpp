#include "proxy/cli/check_command.hpp"

#include "proxy/cli/tls_report.hpp"
#include "proxy/core/log.hpp"
#include "proxy/token/token_client.hpp"
#include "proxy/upstream/tls_context.hpp"
#include "proxy/upstream/upstream_connection.hpp"

#include <optional>
#include <ostream>

namespace litmus::cli {

namespace {

constexpr std::string_view ping_path = "/v3/ping/authenticated";
// A ping answer is a few hundred bytes; a larger one is an error page.
constexpr std::uint64_t max_ping_body = 64 * 1024;

/// One line saying why the check stopped, or nothing when a step passed.
using failure = std::optional<std::string>;

std::string address_of(const upstream::upstream_target& t)
{
    const bool ipv6 = t.connect_host.find(':') != std::string::npos;
    return (ipv6 ? "[" + t.connect_host + "]" : t.connect_host) + ":" + std::to_string(t.connect_port);
}

std::string in_ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::string in_s(std::chrono::milliseconds d)
{
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

/// What the check says about one step, one line, labels aligned.
class summary {
public:
    explicit summary(std::ostream& out) : out_(out) {}
    void line(std::string_view label, std::string_view text)
    {
        // Flushed per line: a failure goes to stderr, and the lines before it
        // must not arrive after it.
        out_ << label << std::string(label.size() < 16 ? 16 - label.size() : 1, ' ') << text << std::endl;
    }

private:
    std::ostream& out_;
};

// The step that connects and verifies TLS, done exactly as the proxy does it
// (upstream::open_upstream). `role` names the endpoint in messages.
struct tls_step {
    std::string_view role;       ///< "token endpoint": the summary label and the name in messages
    std::string_view tls_label;  ///< "token TLS"
    const std::string& url;
    const upstream::upstream_target& target;
    std::chrono::milliseconds timeout;
    std::string_view timeout_key;
    const std::string& ca_file;
};

std::string open_failure(const tls_step& s, errc e, upstream::upstream_connection& conn)
{
    const std::string at = s.target.host + " at " + address_of(s.target);
    if (e == errc::upstream_connect_timeout)
        return "cannot reach the " + std::string(s.role) + " " + at + ": no connection within " + in_ms(s.timeout) +
               " (" + std::string(s.timeout_key) + ")";
    if (e == errc::upstream_tls_handshake) {
        auto why = certificate_refusal(conn.stream.native_handle(), conn.open_error, s.target.host);
        if (!why)
            return "the TLS handshake with the " + std::string(s.role) + " " + at + " failed: " + conn.open_error.message();
        std::string hint;
        if (why->untrusted_chain)
            hint = s.ca_file.empty() ? "; if a private CA issued it, add that CA with tls.ca_file"
                                     : "; neither the system store nor tls.ca_file " + s.ca_file + " holds its CA";
        return "the certificate of the " + std::string(s.role) + " " + at + " is not trusted: " + why->reason + hint;
    }
    return "cannot reach the " + std::string(s.role) + " " + at + ": " + conn.open_error.message();
}

// Connects and verifies; on success reports the TLS version and trust store.
net::awaitable<failure> open_verified(const tls_step& s, upstream::upstream_connection& conn, summary& out)
{
    auto opened = co_await upstream::open_upstream(conn, s.target, s.timeout);
    if (!opened)
        co_return open_failure(s, opened.error(), conn);
    out.line(s.role, s.url + ", reached at " + address_of(s.target));
    out.line(s.tls_label, tls_version(conn.stream.native_handle()) + ", certificate of " + s.target.host +
                        " verified by " + trust_anchor(conn.stream.native_handle(), s.ca_file));
    co_return std::nullopt;
}

std::string token_failure_cause(const token::token_failure& f)
{
    if (f.code == errc::token_rejected)
        // The OAuth error name is what says whether the id/secret or the request is wrong.
        return "the token endpoint refused the client id/secret (" + (f.oauth_error.empty() ? f.reason : f.oauth_error) +
               ")";
    if (f.code == errc::token_bad_response)
        return "the token endpoint's answer is unusable: " + f.reason;
    return "the token endpoint failed: " + f.reason;
}

const config::upstream_config* api_upstream(const config::proxy_config& cfg)
{
    for (const auto& u : cfg.upstreams)
        if (u.name == "api")
            return &u;
    return cfg.upstreams.empty() ? nullptr : &cfg.upstreams.front();
}

// GET /v3/ping/authenticated on an open connection; reports the application
// and the token's remaining life. The answer echoes the token: it is parsed
// for those two fields and never printed.
net::awaitable<failure> ping(const config::proxy_config& cfg, const config::upstream_config& api,
                             const upstream::upstream_target& target, upstream::upstream_connection& conn,
                             const std::string& token, summary& out)
{
    auto& tcp_layer = beast::get_lowest_layer(conn.stream);
    const std::string target_path = api.parsed.path + std::string(ping_path);
    http::request<http::empty_body> req{http::verb::get, target_path, 11};
    req.set(http::field::host, target.authority);
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::accept, "application/json");
    req.set(http::field::accept_encoding, "identity");
    req.set(http::field::user_agent, "litmus-proxy check");

    const std::string at = target.host + " at " + address_of(target);
    tcp_layer.expires_after(cfg.upstream.write_timeout);
    auto [wec, written] = co_await http::async_write(conn.stream, req, net::as_tuple(net::use_awaitable));
    (void)written;
    if (wec)
        co_return "sending GET " + target_path + " to " + at + " failed: " + wec.message();

    http::response_parser<http::string_body> parser;
    parser.body_limit(max_ping_body);
    tcp_layer.expires_after(cfg.upstream.response_timeout);
    auto [rec, read] = co_await http::async_read(conn.stream, conn.buffer, parser, net::as_tuple(net::use_awaitable));
    (void)read;
    if (rec == beast::error::timeout)
        co_return "no answer to GET " + target_path + " from " + at + " within " +
            in_ms(cfg.upstream.response_timeout) + " (upstream.response_timeout)";
    if (rec)
        co_return "reading the answer to GET " + target_path + " from " + at + " failed: " + rec.message();

    const auto& res = parser.get();
    if (res.result() == http::status::unauthorized)
        co_return target.host + " refused the token just obtained (401 on GET " + target_path + ")";
    if (res.result() != http::status::ok)
        co_return "GET " + target_path + " on " + at + " answered HTTP " + std::to_string(res.result_int());
    if (auto enc = res[http::field::content_encoding]; !enc.empty() && enc != "identity")
        co_return "GET " + target_path + " was answered " + std::string(enc) + "-encoded although identity was asked for";

    error_code ec;
    json::value body = json::parse(res.body(), ec);
    const json::object* meta = nullptr;
    if (!ec && body.is_object())
        if (auto* m = body.get_object().if_contains("meta"); m && m->is_object())
            meta = &m->get_object();
    const json::value* pong = meta ? meta->if_contains("ping") : nullptr;
    if (!pong || !pong->is_string() || pong->get_string() != "pong")
        co_return "the answer to GET " + target_path + " is not Litmus's ping (no meta.ping \"pong\")";

    std::string app_name = "(not reported)";
    if (auto* app = meta->if_contains("application"); app && app->is_object())
        if (auto* name = app->get_object().if_contains("name"); name && name->is_string())
            app_name = std::string(name->get_string());
    std::string expiry = "the token's expiry is not reported";
    if (auto* access = meta->if_contains("accessToken"); access && access->is_object())
        if (auto* secs = access->get_object().if_contains("expiresInSeconds"); secs && secs->is_number())
            expiry = "the token expires in " + std::to_string(static_cast<std::int64_t>(secs->to_number<double>())) + " s";
    out.line("application", app_name);
    out.line("ping", "pong; " + expiry);
    co_return std::nullopt;
}

net::awaitable<failure> run_steps(const config::proxy_config& cfg, ssl::context& ctx, summary& out)
{
    auto ex = co_await net::this_coro::executor;
    out.line("config", (cfg.source == "<defaults>" ? "no file (defaults and environment)" : cfg.source) + ": valid");

    // 1. The token endpoint, reached and verified on its own, so that a
    //    network or trust problem is named as such rather than as a failed fetch.
    const auto token_target = upstream::make_target("token", cfg.token.parsed, cfg.token.connect);
    {
        upstream::upstream_connection conn(ex, ctx);
        tls_step step{"token endpoint", "token TLS", cfg.token.url, token_target, cfg.token.fetch_timeout,
                      "token.fetch_timeout", cfg.tls.ca_file};
        if (auto f = co_await open_verified(step, conn, out))
            co_return f;
        upstream::close_connection(conn);
    }

    // 2. A token, with the token client the proxy itself uses.
    const token::credential_source credentials(cfg.credentials);
    token::token_client client(ctx, cfg.token, credentials);
    // A named grant, not a temporary in the co_await expression: GCC 12
    // destroys such a temporary twice (a coroutine temporaries bug).
    const token::token_grant grant;
    auto fetched = co_await client.fetch(grant);
    if (auto* f = std::get_if<token::token_failure>(&fetched))
        co_return token_failure_cause(*f);
    const auto& token = std::get<token::token_response>(fetched);
    std::string lifetime = "obtained, lifetime " + in_s(token.lifetime);
    if (token.lifetime_defaulted)
        lifetime += " (no expires_in in the answer: token.default_lifetime)";
    if (token.lifetime_capped)
        lifetime += " (capped by token.max_lifetime)";
    out.line("token", lifetime);

    // 3. The api upstream: TLS, then the ping.
    const config::upstream_config* api = api_upstream(cfg);
    if (!api)
        co_return std::string("no upstream is configured");
    const auto api_target = upstream::make_target(api->name, api->parsed, api->connect);
    upstream::upstream_connection conn(ex, ctx);
    tls_step step{"api upstream", "api TLS", api->url, api_target, cfg.upstream.connect_timeout,
                  "upstream.connect_timeout", cfg.tls.ca_file};
    if (auto f = co_await open_verified(step, conn, out))
        co_return f;
    auto pinged = co_await ping(cfg, *api, api_target, conn, token.access_token, out);
    upstream::close_connection(conn);
    co_return pinged;
}

}  // namespace

int run_check(const config::proxy_config& cfg, std::ostream& out, std::ostream& err)
{
    log::set_level(log::level::error);
    auto fail = [&](std::string_view cause) {
        err << "check failed: " << cause << std::endl;
        return check_failed;
    };

    std::optional<ssl::context> ctx;
    try {
        ctx.emplace(upstream::make_client_tls_context(cfg.tls));
    } catch (const std::exception& e) {
        return fail(e.what());
    }

    net::io_context ioc{1};
    summary lines(out);
    failure result = std::string("the check did not finish");
    net::co_spawn(ioc, run_steps(cfg, *ctx, lines), [&](std::exception_ptr e, failure f) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                result = std::string("internal error: ") + ex.what();
            }
            return;
        }
        result = std::move(f);
    });
    ioc.run();
    if (result)
        return fail(*result);
    out << "check passed" << std::endl;
    return check_passed;
}

}  // namespace litmus::cli

#include "proxy/cli/health_command.hpp"

#include "proxy/core/net.hpp"

#include <ostream>

namespace litmus::cli {

namespace {

// A /healthz answer is a few bytes; a larger one is not ours.
constexpr std::uint64_t max_answer_body = 64 * 1024;

// What went wrong asking `url` at `at`, or "" when it answered 200.
net::awaitable<std::string> ask(tcp::endpoint at, std::string authority, std::string url,
                                std::chrono::milliseconds timeout)
{
    beast::tcp_stream stream(co_await net::this_coro::executor);
    // One deadline for the whole exchange: it holds for every operation
    // started until it is set again.
    stream.expires_after(timeout);
    const auto why = [&](const error_code& ec) {
        return ec == beast::error::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                           : ec.message();
    };
    auto [cec] = co_await stream.async_connect(at, net::as_tuple(net::use_awaitable));
    if (cec)
        co_return "cannot connect to " + authority + ": " + why(cec);

    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, authority);
    req.set(http::field::user_agent, "litmus-proxy-health");
    req.keep_alive(false);
    auto [wec, written] = co_await http::async_write(stream, req, net::as_tuple(net::use_awaitable));
    (void)written;
    if (wec)
        co_return "cannot send GET " + url + ": " + why(wec);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_answer_body);
    auto [rec, read] = co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    (void)read;
    if (rec == beast::error::timeout)
        co_return url + " did not answer within " + std::to_string(timeout.count()) + " ms";
    if (rec)
        co_return "no valid answer from " + url + ": " + rec.message();
    if (parser.get().result_int() != 200)
        co_return url + " answered " + std::to_string(parser.get().result_int());
    co_return std::string();
}

}  // namespace

int run_health(const config::endpoint& admin, std::ostream& out, std::ostream& err, std::chrono::milliseconds timeout)
{
    if (admin.port == 0) {
        err << "unhealthy: admin.listen has port 0 (any free port), so there is no address to ask" << std::endl;
        return health_failed;
    }
    error_code ec;
    auto address = net::ip::make_address(admin.host == "localhost" ? "127.0.0.1" : admin.host, ec);
    if (ec) {
        err << "unhealthy: admin.listen host '" << admin.host << "' is not an IP address" << std::endl;
        return health_failed;
    }
    // The admin listener bound to every interface answers on loopback too.
    if (address.is_unspecified())
        address = address.is_v4() ? net::ip::address(net::ip::address_v4::loopback())
                                  : net::ip::address(net::ip::address_v6::loopback());
    const tcp::endpoint at(address, admin.port);
    const std::string authority =
        (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" + std::to_string(admin.port);
    const std::string url = "http://" + authority + "/healthz";

    net::io_context ioc{1};
    std::string failure;
    net::co_spawn(ioc, ask(at, authority, url, timeout), [&](std::exception_ptr e, std::string result) {
        if (!e) {
            failure = std::move(result);
            return;
        }
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            failure = std::string("asking ") + url + " failed: " + ex.what();
        }
    });
    ioc.run();
    if (!failure.empty()) {
        err << "unhealthy: " << failure << std::endl;
        return health_failed;
    }
    out << "healthy: " << url << " answered 200" << std::endl;
    return health_ok;
}

int run_health_command(const std::optional<std::string>& config_path, const config::env_lookup& env,
                       std::ostream& out, std::ostream& err)
{
    config::proxy_config cfg;
    try {
        cfg = config::load_config(config_path, env, config::credentials_use::not_needed);
    } catch (const config::config_error& e) {
        err << "unhealthy: " << e.what() << std::endl;
        return health_failed;
    }
    return run_health(cfg.admin.listen, out, err);
}

}  // namespace litmus::cli

// The admin listener (/metrics, /healthz, /readyz) and systemd's notify
// protocol, as operators and their tools see them: the proxy in-process or
// the real binary, against the fake Litmus over TLS on 127.0.0.1.

#include "proxy/admin/admin_listener.hpp"
#include "tests/integration/proxy_fixture.hpp"
#include "tests/integration/raw_client_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace litmus::test {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

http_reply get(std::uint16_t port, std::string_view target)
{
    return http_once(port, http::verb::get, target);
}

// GETs `target` every 20 ms until `done` accepts the reply; the last reply.
http_reply poll_until(std::uint16_t port, std::string_view target, const std::function<bool(const http_reply&)>& done,
                      std::chrono::milliseconds limit = 10s)
{
    auto r = paced_requests(port, target, 20ms, limit,
                            [&](const load_result& so_far) { return done(so_far.samples.back().reply); });
    BOOST_TEST_REQUIRE(!r.samples.empty());
    return r.samples.back().reply;
}

// The `reason` of a /readyz answer; "" when there is none.
std::string reason_of(const http_reply& r)
{
    error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object())
        return "";
    auto* reason = v.as_object().if_contains("reason");
    return reason && reason->is_string() ? std::string(reason->as_string()) : "";
}

bool not_ready_because(const http_reply& r, std::string_view reason)
{
    return r.status == 503 && reason_of(r) == reason;
}

// The socket systemd listens on for sd_notify(3) messages: a unix datagram
// socket in a private directory, read by a thread of its own.
class notify_socket {
public:
    notify_socket() : path_((dir_.path() / "notify").string())
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        BOOST_TEST_REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        BOOST_TEST_REQUIRE(path_.size() < sizeof addr.sun_path);
        std::copy(path_.begin(), path_.end(), addr.sun_path);
        BOOST_TEST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        reader_ = std::thread([this] { read_loop(); });
    }
    ~notify_socket()
    {
        stop_ = true;
        reader_.join();
        ::close(fd_);
    }

    const std::string& path() const noexcept { return path_; }

    std::vector<std::string> messages() const
    {
        std::lock_guard lock(m_);
        return messages_;
    }

    /// Waits until a message containing `needle` has arrived; its index, or
    /// nullopt after `timeout`.
    std::optional<std::size_t> wait_for(std::string_view needle, std::chrono::milliseconds timeout) const
    {
        std::unique_lock lock(m_);
        std::optional<std::size_t> found;
        cv_.wait_for(lock, timeout, [&] {
            for (std::size_t i = 0; i < messages_.size(); ++i)
                if (messages_[i].find(needle) != std::string::npos)
                    return (found = i).has_value();
            return false;
        });
        return found;
    }

    std::string describe() const
    {
        std::string out;
        for (const auto& m : messages())
            out += "[" + m + "] ";
        return out;
    }

private:
    void read_loop()
    {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;  // bounded: the stop flag is looked at every 50 ms
            char buf[4096];
            auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0)
                continue;
            std::lock_guard lock(m_);
            messages_.emplace_back(buf, static_cast<std::size_t>(n));
            cv_.notify_all();
        }
    }

    temp_dir dir_;
    std::string path_;
    int fd_ = -1;
    std::thread reader_;
    std::atomic<bool> stop_{false};
    mutable std::mutex m_;
    mutable std::condition_variable cv_;
    std::vector<std::string> messages_;
};

// The binary against `fake`, credentials and `env` in its environment;
// returns once it logged "listening", with both ports read from its log.
struct proxy_binary {
    temp_dir dir;
    std::unique_ptr<child_process> child;
    std::uint16_t port = 0;
    std::uint16_t admin_port = 0;

    proxy_binary(const fake::fake_litmus& fake, std::vector<std::pair<std::string, std::string>> env = {})
    {
        auto path = dir.write_file("p.yaml", yaml_for(fake));
        process_options o;
        o.inherit_env = false;
        o.env = std::move(env);
        o.env.insert(o.env.end(), {{"PATH", "/usr/bin:/bin"},
                                   {"LITMUS_CLIENT_ID", "test-client"},
                                   {"LITMUS_CLIENT_SECRET", "test-secret"}});
        child = std::make_unique<child_process>(LITMUS_PROXY_BINARY, std::vector<std::string>{"--config", path}, o);
        BOOST_TEST_REQUIRE(child->wait_for_output("\"event\":\"listening\"", 10s), child->output());
        port = port_logged("listening");
        admin_port = port_logged("admin_listening");
    }

    std::uint16_t port_logged(const std::string& event) const
    {
        std::smatch m;
        auto out = child->output();
        BOOST_TEST_REQUIRE(std::regex_search(out, m, std::regex("\"event\":\"" + event + "\"[^\\n]*\"port\":(\\d+)")),
                           out);
        return static_cast<std::uint16_t>(std::stoi(m[1]));
    }

    int exit_code()
    {
        int code = -999;
        BOOST_TEST_REQUIRE(child->wait_for_exit(15s, code), child->output());
        return code;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_test)

BOOST_AUTO_TEST_CASE(readyz_says_no_token_until_the_first_token_while_healthz_answers_at_once)
{
    fake::fake_litmus fake;
    fake.set_token_mode(fake::endpoint_mode::hold);
    running_proxy proxy(yaml_for(fake));
    BOOST_TEST_REQUIRE(fake.wait_for_token_requests(1, 10s), "the first token fetch reached the fake and is held");

    auto not_ready = get(proxy.admin_port(), "/readyz");
    BOOST_TEST(not_ready.status == 503u);
    BOOST_TEST(not_ready.header("Content-Type") == "application/json");
    BOOST_TEST(not_ready.body == R"({"status":"not_ready","reason":"no_token"})");

    // The issue's bound: /healthz answers in under 100 ms while a token fetch
    // is stalled. It takes well under a millisecond when nothing in its path
    // waits; anything that waited on the token would take the fetch timeout
    // (10 s) or the token wait (5 s). The median of a few keeps one scheduling
    // hiccup of a loaded machine from failing the test.
    std::vector<steady::duration> took;
    for (int i = 0; i < 5; ++i) {
        auto started = steady::now();
        auto health = get(proxy.admin_port(), "/healthz");
        took.push_back(steady::now() - started);
        BOOST_TEST(health.status == 200u);
        BOOST_TEST(health.body == R"({"status":"ok"})");
    }
    std::sort(took.begin(), took.end());
    const auto median_us = std::chrono::duration_cast<std::chrono::microseconds>(took[2]).count();
    BOOST_TEST(took[2] < 100ms, "median /healthz time " << median_us << " us");
    BOOST_TEST(took.back() < 2s, "no /healthz waited for the token");
    BOOST_TEST(fake.token_request_count() == 1u, "the fetch is still the one held");

    fake.set_token_mode(fake::endpoint_mode::normal);
    fake.release_held();
    auto ready = poll_until(proxy.admin_port(), "/readyz", [](const http_reply& r) { return r.status != 503; });
    BOOST_TEST(ready.status == 200u);
    BOOST_TEST(ready.body == R"({"status":"ready"})");
}

BOOST_AUTO_TEST_CASE(readyz_names_the_endpoint_error_when_the_token_runs_out_while_the_endpoint_fails)
{
    fake::fake_litmus fake;
    fake.set_expires_in(1);  // refreshed after 0.8 s, handed out until 0.95 s
    running_proxy proxy(yaml_for(fake, "  refresh_jitter: 0\n"
                                       "  backoff_initial: 20ms\n"
                                       "  backoff_max: 100ms\n"));
    auto ready = poll_until(proxy.admin_port(), "/readyz", [](const http_reply& r) { return r.status == 200; });
    BOOST_TEST_REQUIRE(ready.status == 200u);

    // The secret was rotated at Litmus but not here: every fetch from now on
    // is refused with invalid_client, and the held token runs out.
    fake.set_credentials("test-client", "rotated-elsewhere");
    auto failing = poll_until(proxy.admin_port(), "/readyz",
                              [](const http_reply& r) { return not_ready_because(r, "token_endpoint_failing"); });
    BOOST_TEST_REQUIRE(not_ready_because(failing, "token_endpoint_failing"), failing.status << " " << failing.body);
    BOOST_TEST(failing.json().as_object().at("error").as_string() == "invalid_client");
    BOOST_TEST(failing.body.find("test-secret") == std::string::npos);
    for (const auto& t : fake.issued_tokens())
        BOOST_TEST(failing.body.find(t) == std::string::npos);

    // Fixed (the fake accepts the secret again): ready with the next fetch.
    fake.set_credentials("test-client", "test-secret");
    auto recovered = poll_until(proxy.admin_port(), "/readyz", [](const http_reply& r) { return r.status == 200; });
    BOOST_TEST(recovered.body == R"({"status":"ready"})");
}

BOOST_AUTO_TEST_CASE(metrics_are_prometheus_text_and_nothing_else_is_served)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake));
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), "/api/v2/users/current", 10s));

    http_client admin(proxy.admin_port());  // one keep-alive connection for all of these
    auto metrics = admin.request(http::verb::get, "/metrics");
    BOOST_TEST(metrics.status == 200u);
    BOOST_TEST(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    BOOST_TEST(metrics.body.find("# TYPE litmus_proxy_") != std::string::npos, metrics.body);
    BOOST_TEST(metrics.body.find("litmus_proxy_token_fetches_total") != std::string::npos);
    BOOST_TEST(metrics.body.find("test-secret") == std::string::npos);
    for (const auto& t : fake.issued_tokens())
        BOOST_TEST(metrics.body.find(t) == std::string::npos);

    auto unknown = admin.request(http::verb::get, "/secret-path-xyz?q=1");
    BOOST_TEST(unknown.status == 404u);
    BOOST_TEST(unknown.json().as_object().at("error").as_string() == "not_found");
    BOOST_TEST(unknown.body.find("secret-path-xyz") == std::string::npos, "the request is never echoed");

    // No forwarding on the admin port, whatever the path or Host says.
    const auto api_before = fake.api_request_count();
    auto forwarded = admin.request(http::verb::get, "/api/v2/users/current", {{"Host", "api.litmus.com"}});
    BOOST_TEST(forwarded.status == 404u);
    BOOST_TEST(fake.api_request_count() == api_before);

    auto post = admin.request(http::verb::post, "/metrics", {}, "x=1");
    BOOST_TEST(post.status == 405u);
    BOOST_TEST(post.header("Allow") == "GET, HEAD");
    BOOST_TEST(post.json().as_object().at("error").as_string() == "method_not_allowed");
    auto del = http_once(proxy.admin_port(), http::verb::delete_, "/readyz");
    BOOST_TEST(del.status == 405u);

    // HEAD: the GET answer's header, no body (read raw: the length must not
    // be taken for a body to wait for).
    raw_connection head(proxy.admin_port());
    BOOST_TEST_REQUIRE(head.write("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    BOOST_TEST_REQUIRE(head.await_close(5s), head.describe());
    const auto& bytes = head.received();
    BOOST_TEST(bytes.starts_with("HTTP/1.1 200 OK\r\n"), bytes);
    BOOST_TEST(bytes.find("Content-Length: 15\r\n") != std::string::npos, bytes);
    BOOST_TEST(bytes.ends_with("\r\n\r\n"), bytes);

    // Bounded header: 431 and the connection closed, then it keeps serving.
    raw_connection huge(proxy.admin_port());
    huge.write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n");
    BOOST_TEST(huge.await_close(5s), huge.describe());
    BOOST_TEST((huge.final_statuses() == std::vector<unsigned>{431}), huge.describe());
    raw_connection garbage(proxy.admin_port());
    garbage.write("NOT HTTP AT ALL\r\n\r\n");
    BOOST_TEST(garbage.await_close(5s), garbage.describe());
    BOOST_TEST((garbage.final_statuses() == std::vector<unsigned>{400}), garbage.describe());
    BOOST_TEST(admin.request(http::verb::get, "/healthz").status == 200u);
}

BOOST_AUTO_TEST_CASE(readyz_says_draining_after_sigterm_until_the_drain_is_done)
{
    fake::fake_litmus fake;
    proxy_binary proxy(fake);
    BOOST_TEST_REQUIRE(poll_until(proxy.admin_port, "/readyz", [](const http_reply& r) { return r.status == 200; })
                           .status == 200u);

    // A request in flight keeps the drain going.
    fake.set_api_mode(fake::endpoint_mode::hold);
    raw_connection in_flight(proxy.port);
    BOOST_TEST_REQUIRE(in_flight.write("GET /api/v2/users/current HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    BOOST_TEST_REQUIRE(fake.wait_for_api_requests(1, 10s));

    proxy.child->terminate();
    BOOST_TEST_REQUIRE(proxy.child->wait_for_output("\"event\":\"draining\"", 10s), proxy.child->output());
    auto draining = get(proxy.admin_port, "/readyz");
    BOOST_TEST(draining.status == 503u);
    BOOST_TEST(draining.body == R"({"status":"not_ready","reason":"draining"})");
    BOOST_TEST(get(proxy.admin_port, "/healthz").status == 200u);

    fake.set_api_mode(fake::endpoint_mode::normal);
    fake.release_held();
    BOOST_TEST(in_flight.await_final_responses(1, 10s), in_flight.describe());
    BOOST_TEST(proxy.exit_code() == 0);
    // Closed with the rest of the proxy.
    BOOST_TEST(get(proxy.admin_port, "/healthz").status == 0u);
}

BOOST_AUTO_TEST_CASE(systemd_hears_ready_only_after_the_first_token_then_stopping_and_watchdog_pings)
{
    fake::fake_litmus fake;
    fake.set_token_mode(fake::endpoint_mode::hold);
    notify_socket systemd;
    // 200 ms watchdog: a ping every 100 ms.
    proxy_binary proxy(fake, {{"NOTIFY_SOCKET", systemd.path()}, {"WATCHDOG_USEC", "200000"}});
    BOOST_TEST_REQUIRE(fake.wait_for_token_requests(1, 10s));

    // Listening, its loop turning (a watchdog ping came), the first fetch
    // held at the fake: not ready yet.
    BOOST_TEST_REQUIRE(systemd.wait_for("WATCHDOG=1", 10s).has_value(), systemd.describe());
    BOOST_TEST(!systemd.wait_for("READY=1", 0ms).has_value(), systemd.describe());
    BOOST_TEST(systemd.wait_for("STATUS=waiting for a token", 0ms).has_value(), systemd.describe());

    fake.set_token_mode(fake::endpoint_mode::normal);
    fake.release_held();
    auto ready = systemd.wait_for("READY=1", 10s);
    BOOST_TEST_REQUIRE(ready.has_value(), systemd.describe());
    BOOST_TEST(systemd.messages()[*ready].find("STATUS=serving; token valid for ") != std::string::npos,
               systemd.describe());

    proxy.child->terminate();
    auto stopping = systemd.wait_for("STOPPING=1", 10s);
    BOOST_TEST_REQUIRE(stopping.has_value(), systemd.describe());
    BOOST_TEST(*stopping > *ready);
    BOOST_TEST(proxy.exit_code() == 0);
    auto all = systemd.messages();
    BOOST_TEST(std::count_if(all.begin(), all.end(), [](const std::string& m) { return m.find("READY=1") != std::string::npos; }) == 1);
    BOOST_TEST(proxy.child->output().find("test-secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(at_the_cap_the_oldest_idle_connection_makes_room_and_silent_or_slow_clients_time_out)
{
    // The listener alone, with small limits, on its own io_context thread.
    net::io_context ioc{1};
    admin::admin_limits limits;
    limits.max_connections = 2;
    limits.header_timeout = 200ms;
    limits.idle_timeout = 30s;  // idle keep-alive connections stay unless evicted
    admin::admin_listener listener(ioc.get_executor(), config::endpoint{"127.0.0.1", 0},
                                   admin::admin_sources{[] { return std::string("m 1\n"); },
                                                        [] { return admin::proxy_state{}; }},
                                   limits);
    const auto port = listener.local_endpoint().port();
    listener.start();
    std::thread loop([&] { ioc.run(); });
    // Also when a check below fails: run() returns once close() is done,
    // since it leaves nothing pending.
    struct closer {
        std::function<void()> f;
        ~closer() { f(); }
    } close_at_end{[&] {
        net::post(ioc, [&] { listener.close([] {}); });
        loop.join();
    }};

    const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_connection a(port), b(port);
    for (auto* c : {&a, &b}) {
        BOOST_TEST_REQUIRE(c->write(healthz));
        BOOST_TEST_REQUIRE(c->await_final_responses(1, 5s), c->describe());
    }
    // Both are held open (keep-alive) at the cap of 2: a third connection
    // closes the oldest idle one (a) and is served, so clients sitting on
    // connections cannot starve a probe.
    raw_connection third(port);
    BOOST_TEST_REQUIRE(third.write(healthz));
    BOOST_TEST(third.await_final_responses(1, 5s), third.describe());
    BOOST_TEST(a.await_close(5s), a.describe());
    BOOST_TEST(a.final_count() == 1u);

    // A header that never ends is cut at the header timeout, without an answer.
    BOOST_TEST_REQUIRE(b.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    BOOST_TEST(b.await_close(5s), b.describe());
    BOOST_TEST(b.final_count() == 1u);

    // A new connection that never sends a byte gets the header timeout too,
    // not the 30 s keep-alive idle timeout.
    raw_connection silent(port);
    BOOST_TEST(silent.await_close(5s), silent.describe());
    BOOST_TEST(silent.received().empty());

    // The listener still serves.
    BOOST_TEST(http_once(port, http::verb::get, "/healthz").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

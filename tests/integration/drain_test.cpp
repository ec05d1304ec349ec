// SIGTERM with the real binary (DESIGN §2 "Nothing accepted is lost"): stop
// accepting, close idle connections, finish in-flight requests within
// downstream.drain_timeout, exit 0; a second signal ends the drain at once.
// Every wait is for an event: a record at the fake, a log line on the
// child's stderr, a close on a socket, the child's exit.

#include "tests/integration/proxy_fixture.hpp"
#include "tests/integration/raw_client_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>

namespace litmus::test {

using namespace std::chrono_literals;

namespace {

using clock = std::chrono::steady_clock;

// What a crash, a sanitizer report or a stray coroutine exception leaves in the log.
constexpr std::string_view crash_signs[] = {"coroutine_exception", "crash", "AddressSanitizer", "runtime error",
                                            "LeakSanitizer", "terminate called"};

struct proxy_process {
    temp_dir dir;
    std::unique_ptr<child_process> child;
    std::uint16_t port = 0;

    // The binary with a config file pointing it at `fake` (+ `extra` YAML),
    // credentials in its environment; returns once it logged "listening".
    proxy_process(const fake::fake_litmus& fake, std::string_view extra)
    {
        auto path = dir.write_file("p.yaml", yaml_for(fake, "", extra));
        process_options o;
        o.inherit_env = false;
        o.env = {{"PATH", "/usr/bin:/bin"}, {"LITMUS_CLIENT_ID", "test-client"}, {"LITMUS_CLIENT_SECRET", "test-secret"}};
        child = std::make_unique<child_process>(LITMUS_PROXY_BINARY, std::vector<std::string>{"--config", path}, o);
        BOOST_TEST_REQUIRE(child->wait_for_output("\"event\":\"listening\"", 10s),
                           "the proxy starts and logs \"listening\"; its output:\n" << child->output());
        std::smatch m;
        auto out = child->output();
        BOOST_TEST_REQUIRE(std::regex_search(out, m, std::regex(R"("event":"listening"[^\n]*"port":(\d+))")));
        port = static_cast<std::uint16_t>(std::stoi(m[1]));
    }

    void check_clean_log() const
    {
        auto out = child->output();
        for (auto sign : crash_signs)
            BOOST_TEST(out.find(sign) == std::string::npos, "stderr contains '" << sign << "':\n" << out);
        BOOST_TEST(out.find("test-secret") == std::string::npos);
    }
};

std::string get_request(std::uint16_t port, std::string_view target)
{
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n";
}

// A request the fake has received and holds (API in hold mode). The fake
// has recorded `already` API requests before this one.
std::unique_ptr<raw_connection> held_request(fake::fake_litmus& fake, std::uint16_t port, std::size_t already)
{
    auto c = std::make_unique<raw_connection>(port);
    BOOST_TEST_REQUIRE(c->connected(), c->connect_error());
    BOOST_TEST_REQUIRE(c->write(get_request(port, "/api/v2/users/current?inflight=1")), c->write_error());
    BOOST_TEST_REQUIRE(fake.wait_for_api_requests(already + 1, 10s), "the held request reached the fake");
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(drain_test)

BOOST_AUTO_TEST_CASE(in_flight_request_completes_new_connections_are_refused_idle_ones_closed)
{
    fake::fake_litmus fake;
    proxy_process proxy(fake, "");

    // An idle keep-alive connection, used once.
    raw_connection idle(proxy.port);
    BOOST_TEST_REQUIRE(idle.connected(), idle.connect_error());
    idle.write(get_request(proxy.port, "/api/v2/users/current?idle=1"));
    BOOST_TEST_REQUIRE(idle.await_final_responses(1, 10s), idle.describe());
    BOOST_TEST_REQUIRE(idle.responses().back().status == 200u);

    fake.set_api_mode(fake::endpoint_mode::hold);
    auto inflight = held_request(fake, proxy.port, 1);

    proxy.child->terminate();
    BOOST_TEST_REQUIRE(proxy.child->wait_for_output("\"event\":\"draining\"", 5s), proxy.child->output());

    // Idle connections are closed at once, not at the drain deadline (25 s).
    BOOST_TEST(idle.await_close(2s), "idle keep-alive connection closed promptly: " << idle.describe());
    BOOST_TEST(idle.final_count() == 1u, idle.describe());

    // New connections are refused, or closed without being served.
    {
        raw_connection late(proxy.port, 2s);
        if (late.connected()) {
            late.write(get_request(proxy.port, "/api/v2/users/current?late=1"));
            BOOST_TEST(late.await_close(2s), "a connection made after SIGTERM is closed: " << late.describe());
            for (auto s : late.final_statuses())
                BOOST_TEST(s == 503u, "a connection made after SIGTERM is not served: " << late.describe());
        }
    }

    // The drain waits for the held request.
    BOOST_TEST(proxy.child->running(), "the proxy waits for the in-flight request");
    BOOST_TEST(inflight->final_count() == 0u, inflight->describe());

    fake.set_api_mode(fake::endpoint_mode::normal);
    fake.release_held();
    BOOST_TEST_REQUIRE(inflight->await_final_responses(1, 10s), inflight->describe());
    const auto& res = inflight->responses().back();
    BOOST_TEST(res.status == 200u, inflight->describe());
    BOOST_TEST(json::parse(res.body).at("user").at("id").as_int64() ==
                   fake::fake_litmus::user_id_for_client("test-client"),
               res.body);
    // Draining: the connection is not kept for another request.
    BOOST_TEST(inflight->await_close(5s), inflight->describe());

    int code = -1;
    BOOST_TEST_REQUIRE(proxy.child->wait_for_exit(10s, code), proxy.child->output());
    BOOST_TEST(code == 0, proxy.child->output());
    BOOST_TEST(proxy.child->output().find("\"event\":\"stopped\"") != std::string::npos);
    proxy.check_clean_log();
    // The idle one, the held one; nothing from the late connection.
    BOOST_TEST(fake.api_request_count() == 2u);
}

BOOST_AUTO_TEST_CASE(request_held_past_drain_timeout_is_cut_and_the_process_exits_zero)
{
    fake::fake_litmus fake;
    proxy_process proxy(fake, "downstream:\n  drain_timeout: 300ms\n");
    BOOST_TEST_REQUIRE(await_ok(proxy.port, "/api/v2/users/current", 10s));
    const auto before = fake.api_request_count();

    fake.set_api_mode(fake::endpoint_mode::hold);
    auto inflight = held_request(fake, proxy.port, before);

    const auto signalled = clock::now();
    proxy.child->terminate();
    BOOST_TEST_REQUIRE(proxy.child->wait_for_output("\"event\":\"draining\"", 5s), proxy.child->output());

    // Cut at the deadline: closed, or a 503 then closed; never the held 200.
    BOOST_TEST(inflight->await_close(5s), inflight->describe());
    const auto cut_after = clock::now() - signalled;
    for (auto s : inflight->final_statuses())
        BOOST_TEST(s == 503u, inflight->describe());
    // Not before the drain timeout (a lower bound, so no flakiness).
    BOOST_TEST(cut_after >= 250ms, "cut after " << std::chrono::duration_cast<std::chrono::milliseconds>(cut_after).count()
                                                << " ms, before drain_timeout 300ms");

    int code = -1;
    BOOST_TEST_REQUIRE(proxy.child->wait_for_exit(5s, code), proxy.child->output());
    const auto exited_after = clock::now() - signalled;
    BOOST_TEST(code == 0, proxy.child->output());
    BOOST_TEST(exited_after < 3s, "exited "
                                      << std::chrono::duration_cast<std::chrono::milliseconds>(exited_after).count()
                                      << " ms after SIGTERM");
    proxy.check_clean_log();
    BOOST_TEST(fake.api_request_count() == before + 1);
}

BOOST_AUTO_TEST_CASE(second_sigterm_during_drain_exits_at_once)
{
    fake::fake_litmus fake;
    proxy_process proxy(fake, "downstream:\n  drain_timeout: 30s\n");
    fake.set_api_mode(fake::endpoint_mode::hold);
    auto inflight = held_request(fake, proxy.port, 0);

    proxy.child->terminate();
    BOOST_TEST_REQUIRE(proxy.child->wait_for_output("\"event\":\"draining\"", 5s), proxy.child->output());
    BOOST_TEST(proxy.child->running(), "still draining the held request");

    const auto second = clock::now();
    proxy.child->terminate();
    int code = -1;
    BOOST_TEST_REQUIRE(proxy.child->wait_for_exit(2s, code),
                       "a second SIGTERM ends the drain at once (drain_timeout is 30s)\n" << proxy.child->output());
    BOOST_TEST_MESSAGE("second SIGTERM: exit " << code << " after "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - second).count()
                       << " ms");
    // The held request is cut, not answered with Litmus's 200.
    BOOST_TEST(inflight->await_close(2s), inflight->describe());
    for (auto s : inflight->final_statuses())
        BOOST_TEST(s == 503u, inflight->describe());
    auto out = proxy.child->output();
    for (auto sign : {"AddressSanitizer", "runtime error", "coroutine_exception"})
        BOOST_TEST(out.find(sign) == std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

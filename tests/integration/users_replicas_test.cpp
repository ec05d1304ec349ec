// Two replicas sharing one PostgreSQL (issue 11): two litmus-proxy
// processes serve the same user from one store. When Litmus expires the
// user's access token and 50 requests for that user arrive at once, split
// across both, every request succeeds and exactly one refresh reaches Litmus:
// the per-user database lock lets one replica spend the rotating refresh
// token, and the other uses the winner's tokens.
//
// Runs only under tests/support/with_postgres.sh (ctest users.replicas),
// which starts a PostgreSQL for the run and names it in
// LITMUS_TEST_POSTGRES_URI; without it the test fails rather than skips.

#include "tests/integration/binary_fixture.hpp"
#include "tests/integration/users_fixture.hpp"
#include "tests/support/child_process.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <latch>
#include <regex>
#include <thread>

namespace litmus::test {

namespace {

using namespace std::chrono_literals;
using fake::fake_litmus;

std::string postgres_uri()
{
    const char* uri = std::getenv("LITMUS_TEST_POSTGRES_URI");
    BOOST_TEST_REQUIRE(uri != nullptr, "LITMUS_TEST_POSTGRES_URI is not set: run this suite through "
                                       "tests/support/with_postgres.sh (ctest -R users.replicas)");
    return uri;
}

// One litmus-proxy process with the shared store, and its two ports.
struct replica {
    std::unique_ptr<child_process> process;
    std::uint16_t port = 0;
    std::uint16_t admin_port = 0;

    explicit replica(const std::string& config_path)
    {
        std::vector<std::pair<std::string, std::string>> env{{"LITMUS_CLIENT_ID", "test-client"},
                                                             {"LITMUS_CLIENT_SECRET", "test-secret"}};
        // The no-secrets run sets a debug level for the whole suite.
        if (const char* level = std::getenv("LITMUS_PROXY_LOG_LEVEL"))
            env.emplace_back("LITMUS_PROXY_LOG_LEVEL", level);
        process = std::make_unique<child_process>(LITMUS_PROXY_BINARY, std::vector<std::string>{"--config", config_path},
                                                  clean_env(std::move(env)));
        port = wait_listening(*process);
        std::smatch m;
        auto out = process->output();
        BOOST_TEST_REQUIRE(std::regex_search(out, m, std::regex(R"("event":"admin_listening"[^\n]*"port":(\d+))")),
                           out);
        admin_port = static_cast<std::uint16_t>(std::stoi(m[1]));
    }

    ~replica()
    {
        // A clean stop, so that the process's log is complete.
        process->terminate();
        int status = 0;
        BOOST_TEST(process->wait_for_exit(10s, status));
        BOOST_TEST(status == 0, process->output());
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(users_replicas_test)

BOOST_AUTO_TEST_CASE(two_replicas_refresh_a_user_once_under_concurrent_load)
{
    const std::string store = postgres_uri();
    fake_litmus fake;
    users_files files;
    const auto config = files.dir().write_file("replica.yaml", files.yaml(fake, "", store));
    replica a(config);
    replica b(config);
    const std::array<std::uint16_t, 2> ports{a.port, b.port};
    const auto alice = fake_litmus::user_profile_of("alice").id;

    // Connected through A, served by both.
    {
        http_client app(a.port);
        connect_user(app, fake, "replicated-user", "alice");
    }
    for (auto port : ports) {
        http_client app(port);
        auto r = get_as(app, "replicated-user");
        BOOST_TEST_REQUIRE(r.status == 200u, port << ": " << r.body << r.error);
        BOOST_TEST(user_id_of(r) == alice);
    }
    BOOST_TEST_REQUIRE(fake.user_counts("alice").refreshes == 0u);

    // Litmus expires the token; 50 requests at once, half on each replica.
    BOOST_TEST_REQUIRE(fake.expire_user_tokens("alice") >= 1u);
    constexpr std::size_t requests = 50;
    std::vector<http_reply> replies(requests);
    std::latch go(requests);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < requests; ++i)
        threads.emplace_back([&, i] {
            http_client c(ports[i % 2], 20s);
            go.arrive_and_wait();
            replies[i] = get_as(c, "replicated-user");
        });
    for (auto& t : threads)
        t.join();

    std::size_t ok = 0;
    for (std::size_t i = 0; i < requests; ++i) {
        BOOST_TEST(replies[i].status == 200u, "request " << i << " via " << ports[i % 2] << ": " << replies[i].body
                                                           << replies[i].error);
        BOOST_TEST(user_id_of(replies[i]) == alice, replies[i].body);
        ok += replies[i].status == 200u ? 1 : 0;
    }
    const auto counts = fake.user_counts("alice");
    const auto refreshes_at_litmus = counts.refreshes + counts.refreshes_refused;
    BOOST_TEST_MESSAGE("users.replicas: " << ok << "/" << requests << " answered 200; refreshes at the fake: "
                                          << counts.refreshes << " granted + " << counts.refreshes_refused
                                          << " refused = " << refreshes_at_litmus);
    BOOST_TEST(refreshes_at_litmus == 1u);
    BOOST_TEST(counts.refreshes == 1u);

    // The replicas agree: one refreshed, and the other one found the row
    // already refreshed under the lock (both held the expired token, so
    // both met a 401: the lock, not luck, kept it to one refresh).
    const std::string success = R"(litmus_proxy_user_refreshes_total{outcome="success"})";
    const std::string already = R"(litmus_proxy_user_refreshes_total{outcome="already_refreshed"})";
    const double a_success = metric(a.admin_port, success), b_success = metric(b.admin_port, success);
    const double a_already = metric(a.admin_port, already), b_already = metric(b.admin_port, already);
    BOOST_TEST_MESSAGE("users.replicas: refreshes success/already_refreshed: A " << a_success << "/" << a_already
                                                                              << ", B " << b_success << "/" << b_already);
    BOOST_TEST(a_success + b_success == 1.0);
    BOOST_TEST((a_success == 1.0 ? b_already : a_already) >= 1.0);
    // And both keep serving with the refreshed token.
    for (auto port : ports) {
        http_client app(port);
        BOOST_TEST(get_as(app, "replicated-user").status == 200u);
    }
    BOOST_TEST(fake.user_counts("alice").refreshes == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

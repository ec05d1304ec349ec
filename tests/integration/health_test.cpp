// `litmus-proxy health`, the container HEALTHCHECK: the real binary asking
// a running proxy's admin listener, a closed port, and a silent one.

#include "proxy/cli/health_command.hpp"
#include "tests/integration/binary_fixture.hpp"
#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>

namespace litmus::test {

using namespace std::chrono_literals;

namespace {

// A port on 127.0.0.1 that nothing listens on (bound, then released).
std::uint16_t closed_port()
{
    net::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(health_test)

// No credentials in its environment: health never fetches a token. The
// config names 0.0.0.0, as in a container; health asks 127.0.0.1.
BOOST_AUTO_TEST_CASE(healthy_proxy_exits_zero_without_credentials)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake));
    temp_dir dir;
    const auto port = std::to_string(proxy.admin_port());
    auto config = dir.write_file("health.yaml", "admin:\n  listen: 0.0.0.0:" + port + "\n");
    auto r = run_to_exit({"health", "--config", config}, clean_env());
    BOOST_TEST(r.code == 0, r.output);
    BOOST_TEST(r.output == "healthy: http://127.0.0.1:" + port + "/healthz answered 200\n");
}

BOOST_AUTO_TEST_CASE(closed_port_or_bad_config_exits_one_with_the_cause)
{
    const auto port = std::to_string(closed_port());
    auto refused = run_to_exit({"health"}, clean_env({{"LITMUS_PROXY_ADMIN_LISTEN", "127.0.0.1:" + port}}));
    BOOST_TEST(refused.code == 1);
    BOOST_TEST(refused.output == "unhealthy: cannot connect to 127.0.0.1:" + port + ": Connection refused\n");

    // 1, not 2: container runtimes reserve 2.
    temp_dir dir;
    auto missing = run_to_exit({"health", "--config", dir.file("absent.yaml")}, clean_env());
    BOOST_TEST(missing.code == 1);
    BOOST_TEST(missing.output.starts_with("unhealthy: cannot read config file"), missing.output);
}

BOOST_AUTO_TEST_CASE(silent_listener_fails_within_the_timeout)
{
    // Listens but never accepts: the connection completes in the backlog and
    // no answer ever comes.
    net::io_context ioc;
    tcp::acceptor silent(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const auto port = silent.local_endpoint().port();
    std::ostringstream out, err;
    auto code = cli::run_health(config::endpoint{"127.0.0.1", port}, out, err, 200ms);
    BOOST_TEST(code == cli::health_failed);
    BOOST_TEST(out.str().empty());
    BOOST_TEST(err.str() == "unhealthy: http://127.0.0.1:" + std::to_string(port) +
                                "/healthz did not answer within 200 ms\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

#include "proxy/routing/trust_boundary.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace litmus::routing {

BOOST_AUTO_TEST_SUITE(trust_boundary_test)

// is_loopback_host on its own: request_decision_test reaches it only through
// host_of, which lets no NUL or other odd byte through.
BOOST_AUTO_TEST_CASE(loopback_hosts_are_the_strict_spellings_only)
{
    using namespace std::string_literals;
    const std::pair<std::string, bool> rows[] = {
        {"localhost", true},
        {"LocalHost", true},
        {"127.0.0.1", true},
        {"127.255.255.254", true},
        {"[::1]", true},
        {"[::ffff:127.0.0.1]", true},
        {"127.1", false},
        {"0x7f.0.0.1", false},
        {"0177.0.0.1", false},
        {"127.000.0.1", false},
        {"127.0.0.256", false},
        {"127.0.0.1.", false},
        {"128.0.0.1", false},
        {"", false},
        {"127.0.0.1\0.evil.example"s, false},
        {"127.0.0.1 ", false},
        {std::string(64, '1'), false},
    };
    for (const auto& [host, loopback] : rows)
        BOOST_TEST(is_loopback_host(host) == loopback, "host: " << host);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::routing

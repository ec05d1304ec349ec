#include "proxy/upstream/pool_rules.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::upstream {

using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(pool_rules_test)

BOOST_AUTO_TEST_CASE(idle_connection_reused_only_when_quiet_and_young)
{
    std::chrono::steady_clock::time_point t0{};
    BOOST_TEST((judge_idle(t0, t0 + 1s, 30s, peek_result::nothing) == idle_verdict::reuse));
    BOOST_TEST((judge_idle(t0, t0 + 30s - 1ms, 30s, peek_result::nothing) == idle_verdict::reuse));
    BOOST_TEST((judge_idle(t0, t0 + 30s, 30s, peek_result::nothing) == idle_verdict::expired));
    BOOST_TEST((judge_idle(t0, t0 + 1s, 30s, peek_result::eof) == idle_verdict::closed_by_peer));
    BOOST_TEST((judge_idle(t0, t0 + 1s, 30s, peek_result::error) == idle_verdict::closed_by_peer));
    BOOST_TEST((judge_idle(t0, t0 + 1s, 30s, peek_result::data) == idle_verdict::unexpected_data));
}

BOOST_AUTO_TEST_CASE(connection_kept_only_after_clean_keep_alive_response)
{
    BOOST_TEST(may_keep(true, true, 0, 0, 64));
    BOOST_TEST(!may_keep(false, true, 0, 0, 64));
    BOOST_TEST(!may_keep(true, false, 0, 0, 64));
    BOOST_TEST(!may_keep(true, true, 3, 0, 64));
    BOOST_TEST(!may_keep(true, true, 0, 64, 64));
    BOOST_TEST(!may_keep(true, true, 0, 0, 0));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::upstream

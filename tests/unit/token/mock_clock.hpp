#pragma once
// Test time (STYLE §5, after Boost.MySQL's mock_clock): a clock whose now()
// moves only when a test calls advance_time_by(), and wait traits that make
// Asio's timers on it poll instead of sleeping. A timer on mock_clock is due
// when the mock time has passed its expiry, never because real time passed,
// so a schedule of minutes runs in microseconds and cannot be early or late
// by scheduling noise. Shared by the token and upstream unit tests.

#include "proxy/core/net.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>

namespace litmus::test {

/// Not thread-safe: one test thread. Its time points are steady_clock's, the
/// vocabulary of token_state and pool_rules, so the sans-io cores need no
/// clock parameter of their own.
struct mock_clock {
    using duration = std::chrono::steady_clock::duration;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::steady_clock::time_point;
    static constexpr bool is_steady = true;

    static time_point now() noexcept { return now_; }
    static void advance_time_by(duration d) noexcept { now_ += d; }
    /// Far from the epoch, so "a time before the first token" is representable.
    static void reset() noexcept { now_ = time_point{} + std::chrono::hours(1000); }

private:
    static inline time_point now_ = time_point{} + std::chrono::hours(1000);
};

/// Asio asks the wait traits how long the reactor may sleep before a timer is
/// due. Zero makes it re-check its timers against mock_clock::now() every
/// time it runs (see io_settle below) instead of sleeping real time.
struct mock_wait_traits {
    static mock_clock::duration to_wait_duration(const mock_clock::duration&) { return mock_clock::duration::zero(); }
    static mock_clock::duration to_wait_duration(const mock_clock::time_point&) { return mock_clock::duration::zero(); }
};

using mock_timer = net::basic_waitable_timer<mock_clock, mock_wait_traits, net::any_io_executor>;

/// Runs `ioc` until everything due at the current mock time has happened,
/// including whatever that caused in turn, and nothing is left to run.
///
/// Why a probe: with zero waits the reactor looks at its timers only when
/// its timer fd fires, a moment (microseconds) after it was armed; a bare
/// poll() can run before that and miss a due timer. A probe timer due now is
/// collected by the same timer check as every other due timer, so once its
/// handler has run, so have theirs. Rounds repeat until one in which nothing
/// but the probe ran. Bounded in real time, so a hang fails instead of
/// blocking ctest.
inline void io_settle(net::io_context& ioc, std::chrono::seconds guard = std::chrono::seconds(15))
{
    const auto give_up = std::chrono::steady_clock::now() + guard;
    for (;;) {
        if (ioc.stopped())
            ioc.restart();
        bool probed = false;
        mock_timer probe(ioc.get_executor(), mock_clock::now());
        probe.async_wait([&](error_code) { probed = true; });
        std::size_t ran = 0;
        while (!probed) {
            ran += ioc.poll();
            if (std::chrono::steady_clock::now() > give_up)
                BOOST_FAIL("io_settle: the probe timer never fired");
            if (ioc.stopped())
                ioc.restart();
        }
        ran += ioc.poll();
        if (ran <= 1)
            return;
        if (std::chrono::steady_clock::now() > give_up)
            BOOST_FAIL("io_settle: the io_context never went quiet");
    }
}

}  // namespace litmus::test

#pragma once
// Keeps one valid access token: fetches it at start, refreshes it ahead of
// expiry in the background, backs off on failures, and lets requests wait a
// bounded time when no valid token exists. One type for every kind of token:
// how to fetch is passed in (the proxy's client-credentials token, later one
// instance per authorization-code user), not subclassed.
//
// The shell is templated on its clock so that unit tests drive the refresh
// and backoff schedule with a mock clock instead of waiting (STYLE §5); the
// rest of the proxy uses `token_source`, the steady_clock instance, which is
// compiled once in token_source.cpp.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"
#include "proxy/token/token_metrics.hpp"
#include "proxy/token/token_state.hpp"

#include <boost/system/result.hpp>

#include <atomic>
#include <functional>
#include <limits>
#include <random>
#include <type_traits>

namespace litmus::token {

/// Not thread-safe: every member on the executor it was built with (the
/// proxy runs one io_context thread). Must outlive the loop: call stop() and
/// let the io_context run the loop's cancellation before destroying it.
///
/// `Clock` supplies every "now" and, with `WaitTraits`, every timer. Its
/// time points must be steady_clock's, the vocabulary of token_state.
template <class Clock = std::chrono::steady_clock, class WaitTraits = net::wait_traits<Clock>>
class basic_token_source {
    static_assert(std::is_same_v<typename Clock::time_point, clock::time_point>,
                  "token_state keeps time in steady_clock time points; an injected clock must use them");

public:
    using fetch_fn = std::function<net::awaitable<fetch_result>(token_grant)>;

    /// `name` labels logs ("client_credentials", or a user key later).
    basic_token_source(net::any_io_executor ex, const config::token_config& cfg, fetch_fn fetch,
                       std::optional<token_grant> fallback, token_metrics& metrics, std::string name);

    /// Starts the background loop, which fetches the first token at once
    /// (or, after adopt(), when that token is due for a refresh).
    void start();

    /// Takes `r` as the current token, as if a fetch started now had
    /// returned it: a token kept elsewhere (a user's, read from the user
    /// store) is served without a fetch. A lifetime of zero or less makes it
    /// due at once: with a refresh token in `r` the loop refreshes it. Call
    /// before start().
    void adopt(const token_response& r);

    /// True from start() until the loop has ended after stop(): only then may
    /// the source be destroyed.
    bool running() const noexcept { return running_; }

    /// Ends the loop and wakes every waiter, who get errc::shutting_down. An
    /// in-flight fetch is cancelled and its outcome discarded without a log
    /// line or a failure count: shutting down is not a failed fetch.
    void stop();

    /// A valid token: at once when one is held (no allocation, no wait),
    /// else after the single in-flight fetch, waiting at most
    /// token.wait_timeout. Errors: token_unavailable, token_rejected (the
    /// endpoint refuses the credentials), refresh_refused (a user must
    /// authorize again), shutting_down. Cancellation: returns shutting_down.
    net::awaitable<boost::system::result<token_ptr, errc>> get();

    /// get()'s answer when it needs no wait: the token held if it is valid
    /// now, else nullptr (call get()). Spares the nearly every request that
    /// finds a token a coroutine of its own.
    token_ptr usable_now() const { return state_.usable(Clock::now()); }

    /// An upstream answered 401 to `t`. If it is still the current token it
    /// is dropped and a new one fetched (once, however many requests report
    /// it); the caller then calls get() again.
    void reject(const token& t);

    /// An upstream answered `t` with anything but 401: the token works. Cheap
    /// (no allocation, no log), so the forwarder calls it for every response;
    /// it keeps tokens that worked and were then revoked from putting the
    /// next fetch under the backoff meant for tokens the API never accepts.
    void accepted(const token& t) noexcept { state_.on_accepted_by_upstream(t.generation); }

    /// Readiness and the systemd status line: whether a token is served, for
    /// how long yet, and why the last fetch failed. Cheap, never waits.
    token_status status() const { return state_.status(Clock::now()); }

    /// `f` runs on the executor after every fetch that finished (a token
    /// obtained or a failure), so that readiness can be reported when it
    /// changes instead of polled. Not after stop().
    void on_fetch_finished(std::function<void()> f) { fetch_finished_ = std::move(f); }
    /// Seconds from now until the current token expires (its full lifetime,
    /// not the earlier point where it stops being handed out); 0 when no
    /// token is held or it has expired. Thread-safe, for the scrape thread
    /// (token_expiry_metric): it reads an atomic copy of the expiry.
    double seconds_until_expiry() const noexcept;

private:
    using timer = net::basic_waitable_timer<Clock, WaitTraits, net::any_io_executor>;

    net::awaitable<void> run();
    net::awaitable<void> fetch_once(const token_grant& grant);
    void wake_waiters();
    double unit_random() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

    net::any_io_executor ex_;
    const config::token_config& cfg_;
    fetch_fn fetch_;
    token_metrics& metrics_;
    std::string name_;
    token_state state_;
    timer loop_timer_;              // the loop sleeps here until the next fetch is due
    std::vector<timer*> waiters_;   // requests waiting for a token, woken by cancel()
    net::cancellation_signal stop_signal_;
    std::function<void()> fetch_finished_;
    std::mt19937_64 rng_;
    bool stopping_ = false;
    bool running_ = false;
    // The current token's expires_at (time since the clock's epoch), or
    // no_token; written on this executor, read by seconds_until_expiry().
    static constexpr clock::rep no_token = std::numeric_limits<clock::rep>::min();
    std::atomic<clock::rep> expires_at_{no_token};
};

extern template class basic_token_source<std::chrono::steady_clock>;

/// The token source the proxy runs: on the steady clock.
using token_source = basic_token_source<>;

}  // namespace litmus::token

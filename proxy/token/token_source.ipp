#pragma once
// Member definitions of basic_token_source. Included by token_source.cpp,
// which compiles the steady_clock instance once, and by tests that
// instantiate it on a mock clock; nothing else includes this file.

#include "proxy/token/token_source.hpp"

#include "proxy/core/log.hpp"

#include <algorithm>

namespace litmus::token {

namespace detail {

inline double seconds(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

}  // namespace detail

template <class Clock, class WaitTraits>
basic_token_source<Clock, WaitTraits>::basic_token_source(net::any_io_executor ex, const config::token_config& cfg,
                                                          fetch_fn fetch, std::optional<token_grant> fallback,
                                                          token_metrics& metrics, std::string name)
    : ex_(ex),
      cfg_(cfg),
      fetch_(std::move(fetch)),
      metrics_(metrics),
      name_(std::move(name)),
      state_(cfg, std::move(fallback)),
      loop_timer_(ex),
      rng_(std::random_device{}())
{
}

template <class Clock, class WaitTraits>
void basic_token_source<Clock, WaitTraits>::adopt(const token_response& r)
{
    state_.on_fetch_succeeded(Clock::now(), r, unit_random());
    expires_at_.store((Clock::now() + r.lifetime).time_since_epoch().count(), std::memory_order_relaxed);
}

template <class Clock, class WaitTraits>
void basic_token_source<Clock, WaitTraits>::start()
{
    running_ = true;
    net::co_spawn(ex_, run(),
                  net::bind_cancellation_slot(stop_signal_.slot(), [this](std::exception_ptr e) {
                      running_ = false;
                      if (!e)
                          return;
                      try {
                          std::rethrow_exception(e);
                      } catch (const std::exception& ex) {
                          log::error("token_loop_crashed", {{"source", name_}, {"what", ex.what()}});
                      }
                  }));
}

template <class Clock, class WaitTraits>
void basic_token_source<Clock, WaitTraits>::stop()
{
    stopping_ = true;
    stop_signal_.emit(net::cancellation_type::terminal);
    loop_timer_.cancel();
    wake_waiters();
}

template <class Clock, class WaitTraits>
void basic_token_source<Clock, WaitTraits>::wake_waiters()
{
    for (auto* w : waiters_)
        w->cancel();
}

template <class Clock, class WaitTraits>
net::awaitable<boost::system::result<token_ptr, errc>> basic_token_source<Clock, WaitTraits>::get()
{
    auto now = Clock::now();
    if (auto t = state_.usable(now))
        co_return t;

    // Slow path: no valid token. Ask the loop for one (it starts a fetch
    // unless one is in flight or a backoff is running) and wait for its news.
    metrics_.waits.Increment();
    auto started = now;
    auto deadline = now + cfg_.wait_timeout;
    state_.on_token_wanted();
    loop_timer_.cancel();
    auto finish = [&](boost::system::result<token_ptr, errc> r) {
        metrics_.wait_seconds.Observe(detail::seconds(Clock::now() - started));
        return r;
    };
    timer wait_timer(ex_);
    for (;;) {
        if (stopping_)
            co_return finish(errc::shutting_down);
        if (auto t = state_.usable(now))
            co_return finish(t);
        if (state_.reauthorization_required())
            co_return finish(errc::refresh_refused);
        if (now >= deadline)
            co_return finish(state_.rejected() ? errc::token_rejected : errc::token_unavailable);
        wait_timer.expires_at(deadline);
        waiters_.push_back(&wait_timer);
        co_await wait_timer.async_wait(net::as_tuple(net::use_awaitable));
        std::erase(waiters_, &wait_timer);
        auto cs = co_await net::this_coro::cancellation_state;
        if (cs.cancelled() != net::cancellation_type::none)
            co_return finish(errc::shutting_down);
        now = Clock::now();
    }
}

template <class Clock, class WaitTraits>
void basic_token_source<Clock, WaitTraits>::reject(const token& t)
{
    if (!state_.on_rejected_by_upstream(t.generation, Clock::now(), unit_random()))
        return;
    expires_at_.store(no_token, std::memory_order_relaxed);
    metrics_.invalidations.Increment();
    log::warn("token_invalidated", {{"source", name_}, {"generation", t.generation},
                                    {"reason", "upstream answered 401"}});
    loop_timer_.cancel();
}

template <class Clock, class WaitTraits>
double basic_token_source<Clock, WaitTraits>::seconds_until_expiry() const noexcept
{
    auto at = expires_at_.load(std::memory_order_relaxed);
    if (at == no_token)
        return 0.0;
    auto left = clock::time_point(clock::duration(at)) - Clock::now();
    return std::max(0.0, detail::seconds(left));
}

template <class Clock, class WaitTraits>
net::awaitable<void> basic_token_source<Clock, WaitTraits>::run()
{
    while (!stopping_) {
        auto now = Clock::now();
        auto due = state_.next_fetch_at(now);
        if (due > now) {
            // Sleep until the refresh point or the end of a backoff; get() and
            // reject() cancel the timer to have the schedule looked at again.
            loop_timer_.expires_at(due);
            co_await loop_timer_.async_wait(net::as_tuple(net::use_awaitable));
            auto cs = co_await net::this_coro::cancellation_state;
            if (cs.cancelled() != net::cancellation_type::none)
                co_return;
            continue;
        }
        auto grant = state_.next_grant();
        if (!grant)
            continue;  // unreachable: next_fetch_at() is max() then
        co_await fetch_once(*grant);
        wake_waiters();
        if (fetch_finished_ && !stopping_)
            fetch_finished_();
    }
}

template <class Clock, class WaitTraits>
net::awaitable<void> basic_token_source<Clock, WaitTraits>::fetch_once(const token_grant& grant)
{
    auto started = Clock::now();
    fetch_result result = token_failure{};
    try {
        result = co_await fetch_(grant);
    } catch (const std::exception& e) {
        // A bug or resource exhaustion in one fetch must not end the refresh
        // loop: it is a failed fetch like any other, retried under backoff.
        result = token_failure{errc::token_endpoint_failed, 0, std::string("internal error: ") + e.what()};
    }
    // stop() cancelled the fetch: what it returned or threw (a connection
    // closed under it, usually) says nothing about the endpoint, so it is
    // neither logged nor counted as a failure, and the state is left alone.
    if (stopping_)
        co_return;
    auto finished = Clock::now();
    metrics_.fetch_duration_seconds.Observe(detail::seconds(finished - started));
    if (auto* r = std::get_if<token_response>(&result)) {
        state_.on_fetch_succeeded(started, *r, unit_random());
        expires_at_.store((started + r->lifetime).time_since_epoch().count(), std::memory_order_relaxed);
        metrics_.fetch(grant.kind, fetch_outcome::success).Increment();
        metrics_.lifetime_seconds.Set(detail::seconds(r->lifetime));
        log::info("token_obtained",
                  {{"source", name_},
                   {"grant", to_string(grant.kind)},
                   {"generation", state_.generation()},
                   {"lifetime_s", std::chrono::duration_cast<std::chrono::seconds>(r->lifetime).count()},
                   {"lifetime_defaulted", r->lifetime_defaulted},
                   {"lifetime_capped", r->lifetime_capped},
                   {"refresh_token", state_.has_refresh_token()},
                   {"fetch_ms", std::chrono::duration<double, std::milli>(finished - started).count()}});
        co_return;
    }
    const auto& f = std::get<token_failure>(result);
    bool newly_rejected = state_.on_fetch_failed(finished, f, unit_random());
    metrics_.fetch(grant.kind, outcome_of(f.code)).Increment();
    boost::json::object fields{{"source", name_},
                               {"grant", to_string(grant.kind)},
                               {"error", name_of(f.code)},
                               {"status", f.status},
                               {"reason", f.reason},
                               {"consecutive_failures", state_.consecutive_failures()},
                               {"retry_in_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   state_.next_fetch_at(finished) - finished)
                                                   .count()}};
    if (f.code == errc::refresh_refused)
        log::warn("token_refresh_refused", fields);
    else if (newly_rejected)
        // Logged once at error level: an operator must fix the credentials.
        // Retries go on under backoff, since a rotated secret file may fix it.
        log::error("token_credentials_rejected", fields);
    else
        log::warn("token_fetch_failed", fields);
}

}  // namespace litmus::token

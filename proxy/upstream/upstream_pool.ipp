#pragma once
// Member definitions of basic_upstream_pool. Included by upstream_pool.cpp,
// which compiles the steady_clock instance once, and by tests that
// instantiate it on a mock clock; nothing else includes this file.

#include "proxy/upstream/upstream_pool.hpp"

#include "proxy/core/log.hpp"

namespace litmus::upstream {

template <class Clock>
basic_upstream_pool<Clock>::basic_upstream_pool(ssl::context& ctx, upstream_target target,
                                                const config::upstream_defaults_config& cfg,
                                                upstream_metrics metrics)
    : ctx_(ctx), target_(std::move(target)), cfg_(cfg), metrics_(metrics)
{
}

template <class Clock>
basic_upstream_pool<Clock>::~basic_upstream_pool()
{
    close_idle();
}

template <class Clock>
net::awaitable<boost::system::result<lease, errc>> basic_upstream_pool<Clock>::acquire(bool fresh)
{
    if (auto idle = take_idle(fresh))
        co_return lease{std::move(idle), true};
    auto conn = co_await connect_upstream(ctx_, target_, cfg_.connect_timeout, &metrics_.tls_handshakes, &tls_session_);
    if (!conn) {
        metrics_.connect_failures.Increment();
        co_return conn.error();
    }
    metrics_.connects.Increment();
    (*conn)->open = gauge_hold(metrics_.connections_open);
    co_return lease{std::move(*conn), false};
}

template <class Clock>
std::unique_ptr<upstream_connection> basic_upstream_pool<Clock>::take_idle(bool fresh)
{
    auto now = Clock::now();
    while (!fresh && !idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        metrics_.connections_idle.Set(static_cast<double>(idle_.size()));
        auto verdict = judge_idle(c->idle_since, now, cfg_.idle_timeout, peek_socket(*c));
        if (verdict == idle_verdict::reuse) {
            metrics_.reuses.Increment();
            return c;
        }
        metrics_.idle_discarded.Increment();
        log::debug("upstream_idle_discarded",
                   {{"upstream", target_.name},
                    {"reason", verdict == idle_verdict::expired          ? "expired"
                               : verdict == idle_verdict::closed_by_peer ? "closed_by_peer"
                                                                         : "unexpected_data"}});
        close_connection(*c);
    }
    return nullptr;
}

template <class Clock>
void basic_upstream_pool<Clock>::release(std::unique_ptr<upstream_connection> c, bool keep_alive)
{
    if (!may_keep(true, keep_alive, c->buffer.size(), idle_.size(), cfg_.max_idle)) {
        close_connection(*c);
        return;
    }
    c->idle_since = Clock::now();
    idle_.push_back(std::move(c));
    metrics_.connections_idle.Set(static_cast<double>(idle_.size()));
}

template <class Clock>
void basic_upstream_pool<Clock>::close_idle() noexcept
{
    for (auto& c : idle_)
        close_connection(*c);
    idle_.clear();
    metrics_.connections_idle.Set(0);
}

}  // namespace litmus::upstream

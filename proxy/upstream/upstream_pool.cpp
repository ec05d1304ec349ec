#include "proxy/upstream/upstream_pool.hpp"

#include "proxy/core/log.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace litmus::upstream {

peek_result peek_socket(upstream_connection& c) noexcept
{
    char byte;
    auto fd = beast::get_lowest_layer(c.stream).socket().native_handle();
    auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0)
        return peek_result::data;
    if (n == 0)
        return peek_result::eof;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return peek_result::nothing;
    return peek_result::error;
}

upstream_pool::upstream_pool(ssl::context& ctx, upstream_target target,
                             const config::upstream_defaults_config& cfg, admin::proxy_metrics& metrics)
    : ctx_(ctx), target_(std::move(target)), cfg_(cfg), metrics_(metrics)
{
}

upstream_pool::~upstream_pool() { close_idle(); }

net::awaitable<boost::system::result<lease>> upstream_pool::acquire(bool fresh)
{
    auto now = std::chrono::steady_clock::now();
    while (!fresh && !idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        auto verdict = judge_idle(c->idle_since, now, cfg_.idle_timeout, peek_socket(*c));
        if (verdict == idle_verdict::reuse) {
            metrics_.upstream_reuses.Increment();
            co_return lease{std::move(c), true};
        }
        metrics_.upstream_idle_discarded.Increment();
        log::debug("upstream_idle_discarded",
                   {{"upstream", target_.name},
                    {"reason", verdict == idle_verdict::expired          ? "expired"
                               : verdict == idle_verdict::closed_by_peer ? "closed_by_peer"
                                                                         : "unexpected_data"}});
        close_connection(*c);
    }
    auto conn = co_await connect_upstream(ctx_, target_, cfg_.connect_timeout);
    if (!conn) {
        metrics_.upstream_connect_failures.Increment();
        co_return conn.error();
    }
    metrics_.upstream_connects.Increment();
    co_return lease{std::move(*conn), false};
}

void upstream_pool::release(std::unique_ptr<upstream_connection> c, bool keep_alive)
{
    if (!may_keep(true, keep_alive, c->buffer.size(), idle_.size(), cfg_.max_idle)) {
        close_connection(*c);
        return;
    }
    c->idle_since = std::chrono::steady_clock::now();
    idle_.push_back(std::move(c));
}

void upstream_pool::close_idle() noexcept
{
    for (auto& c : idle_)
        close_connection(*c);
    idle_.clear();
}

}  // namespace litmus::upstream

#pragma once
// Keep-alive connections to one upstream.
//
// Templated on its clock so that unit tests decide how long a connection has
// been idle with a mock clock instead of waiting (STYLE §5); the rest of the
// proxy uses `upstream_pool`, the steady_clock instance, compiled once in
// upstream_pool.cpp.

#include "proxy/config/config.hpp"
#include "proxy/upstream/pool_rules.hpp"
#include "proxy/upstream/upstream_connection.hpp"
#include "proxy/upstream/upstream_metrics.hpp"

#include <boost/system/result.hpp>

#include <type_traits>

namespace litmus::upstream {

struct lease {
    std::unique_ptr<upstream_connection> connection;
    bool reused = false;  ///< a reused connection may be stale: see retry rules
};

/// Not thread-safe: every call on the proxy's single io_context thread.
/// Dropping a lease's connection instead of calling release() closes it.
/// `Clock` stamps and judges idle time; its time points must be
/// steady_clock's, like upstream_connection::idle_since.
template <class Clock = std::chrono::steady_clock>
class basic_upstream_pool {
    static_assert(std::is_same_v<typename Clock::time_point, std::chrono::steady_clock::time_point>,
                  "idle_since is a steady_clock time point; an injected clock must use them");

public:
    basic_upstream_pool(ssl::context& ctx, upstream_target target, const config::upstream_defaults_config& cfg,
                        upstream_metrics metrics);
    ~basic_upstream_pool();

    const upstream_target& target() const noexcept { return target_; }

    /// The most recently used healthy idle connection, or a new one; only a
    /// new one with `fresh` (after a reused connection turned out stale).
    /// Idle connections that are closed, hold stray bytes or have been idle
    /// for upstream.idle_timeout are closed on the way (pool_rules::judge_idle).
    net::awaitable<boost::system::result<lease, errc>> acquire(bool fresh = false);

    /// acquire()'s answer when it needs no connect: an idle connection fit
    /// to reuse (the unfit ones closed on the way), else nullptr (call
    /// acquire()), as always with `fresh`.
    std::unique_ptr<upstream_connection> take_idle(bool fresh = false);

    /// Returns a connection after a complete response. `keep_alive` is the
    /// response's; a connection that may not be kept is closed.
    void release(std::unique_ptr<upstream_connection> c, bool keep_alive);

    /// Closes every idle connection (shutdown).
    void close_idle() noexcept;

private:
    ssl::context& ctx_;
    upstream_target target_;
    /// Declared before the connections that point at it, so destroyed after.
    tls_session_slot tls_session_;
    const config::upstream_defaults_config& cfg_;
    std::vector<std::unique_ptr<upstream_connection>> idle_;  // LIFO: warmest on top
    upstream_metrics metrics_;
};

extern template class basic_upstream_pool<std::chrono::steady_clock>;

/// The pool the proxy runs: on the steady clock.
using upstream_pool = basic_upstream_pool<>;

/// Non-blocking MSG_PEEK on the connection's socket.
peek_result peek_socket(upstream_connection& c) noexcept;

}  // namespace litmus::upstream

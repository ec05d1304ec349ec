#pragma once
// Keep-alive connections to one upstream.

#include "proxy/admin/metrics.hpp"
#include "proxy/config/config.hpp"
#include "proxy/upstream/pool_rules.hpp"
#include "proxy/upstream/upstream_connection.hpp"

#include <boost/system/result.hpp>

namespace litmus::upstream {

struct lease {
    std::unique_ptr<upstream_connection> connection;
    bool reused = false;  ///< a reused connection may be stale: see retry rules
};

/// Not thread-safe: every call on the proxy's single io_context thread.
/// Dropping a lease's connection instead of calling release() closes it.
class upstream_pool {
public:
    upstream_pool(ssl::context& ctx, upstream_target target, const config::upstream_defaults_config& cfg,
                  admin::proxy_metrics& metrics);
    ~upstream_pool();

    const upstream_target& target() const noexcept { return target_; }

    /// The most recently used healthy idle connection, or a new one; only a
    /// new one with `fresh` (after a reused connection turned out stale).
    net::awaitable<boost::system::result<lease>> acquire(bool fresh = false);

    /// Returns a connection after a complete response. `keep_alive` is the
    /// response's; a connection that may not be kept is closed.
    void release(std::unique_ptr<upstream_connection> c, bool keep_alive);

    /// Closes every idle connection (shutdown).
    void close_idle() noexcept;


private:
    ssl::context& ctx_;
    upstream_target target_;
    const config::upstream_defaults_config& cfg_;
    std::vector<std::unique_ptr<upstream_connection>> idle_;  // LIFO: warmest on top
    admin::proxy_metrics& metrics_;
};

/// Non-blocking MSG_PEEK on the connection's socket.
peek_result peek_socket(upstream_connection& c) noexcept;

}  // namespace litmus::upstream

#pragma once
// The whole proxy built from a configuration: TLS context, metrics, token
// source, upstream pools, listener, admin listener, systemd notifications.
// main() runs one; integration tests can run one in-process.

#include "proxy/admin/admin_listener.hpp"
#include "proxy/admin/metrics_registry.hpp"
#include "proxy/admin/readiness.hpp"
#include "proxy/admin/systemd_notifier.hpp"
#include "proxy/config/config.hpp"
#include "proxy/core/log_flush_timer.hpp"
#include "proxy/core/net.hpp"
#include "proxy/downstream/downstream_metrics.hpp"
#include "proxy/downstream/listener.hpp"
#include "proxy/forward/forward_metrics.hpp"
#include "proxy/forward/proxy_services.hpp"
#include "proxy/token/credential_source.hpp"
#include "proxy/token/credential_watch.hpp"
#include "proxy/token/token_client.hpp"
#include "proxy/token/token_metrics.hpp"
#include "proxy/token/token_source.hpp"
#include "proxy/users/users_feature.hpp"

#include <functional>
#include <memory>

namespace litmus {

/// Not thread-safe: build, start and drain it on the io_context's thread.
class proxy_app {
public:
    /// Builds everything and binds both listeners. Throws on start-up
    /// failures (port taken, CA bundle unreadable) with a message naming the cause.
    /// `activated`: a proxy listener systemd passed in (socket activation),
    /// used instead of the configured `listen`.
    proxy_app(net::io_context& ioc, const config::proxy_config& cfg,
              std::optional<downstream::activated_socket> activated = std::nullopt);
    ~proxy_app();

    /// Starts the token source (first fetch at once) and accepting on both
    /// listeners; tells systemd (when it started us) READY=1 once the first
    /// token is held.
    void start();

    /// Graceful stop: systemd hears STOPPING=1 and /readyz answers 503
    /// "draining"; no new proxy connections, idle ones closed, in-flight
    /// requests finished (cut after downstream.drain_timeout); then the token
    /// source stops, idle upstream connections close, the admin listener
    /// closes and `done` is called. Once `done` has run, nothing of the app
    /// is left pending on the io_context, so io_context::run() returns by itself.
    void drain(std::function<void()> done);

    /// SIGHUP: re-reads every credential file now, changed or not.
    void reread_credentials() { credentials_->rescan(token::credential_source::rescan_mode::always); }
    const token::credential_source& credentials() const noexcept { return *credentials_; }

    downstream::listen_address proxy_address() const { return listener_->address(); }
    /// The TCP proxy listener's address; port 0 for a Unix-domain one.
    tcp::endpoint proxy_endpoint() const { return proxy_address().tcp_address.value_or(tcp::endpoint{}); }
    tcp::endpoint admin_endpoint() const { return admin_->local_endpoint(); }

    /// Every metric in the Prometheus text format, for GET /metrics.
    /// Thread-safe: may be called from any thread while the proxy runs.
    std::string metrics_text() const { return metrics_.serialize(); }

    // Each component's metrics, for tests that watch one counter.
    token::token_metrics& token_metrics() noexcept { return token_metrics_; }
    forward::forward_metrics& forward_metrics() noexcept { return forward_metrics_; }
    downstream::downstream_metrics& downstream_metrics() noexcept { return downstream_metrics_; }

    /// What /readyz and systemd's STATUS= report, now.
    admin::proxy_state state() const;

private:
    const config::proxy_config& cfg_;
    ssl::context tls_;
    // First: the component metrics below live in it, and every component
    // that counts into them is destroyed before it.
    admin::metrics_registry metrics_;
    token::token_metrics token_metrics_;
    forward::forward_metrics forward_metrics_;
    downstream::downstream_metrics downstream_metrics_;
    std::unique_ptr<token::credential_source> credentials_;
    std::unique_ptr<token::credential_watch> credential_watch_;
    std::unique_ptr<token::token_client> token_client_;
    std::unique_ptr<token::token_source> tokens_;
    std::unique_ptr<users::users_feature> users_;  ///< null: no users section
    std::unique_ptr<forward::proxy_services> services_;
    std::unique_ptr<downstream::listener> listener_;
    std::unique_ptr<admin::admin_listener> admin_;
    std::unique_ptr<admin::systemd_notifier> notifier_;
    std::unique_ptr<log_flush_timer> log_flush_;
};

}  // namespace litmus

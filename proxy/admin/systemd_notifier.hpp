#pragma once
// systemd's Type=notify protocol (sd_notify(3), proxy/core/sd_daemon): READY=1
// once the proxy is listening and holds its first token, STOPPING=1 when it
// drains, WATCHDOG=1 keep-alives when the unit sets WatchdogSec=, and a
// short STATUS= line for `systemctl status`. With no NOTIFY_SOCKET in the
// environment (not started by systemd) every member is a no-op.

#include "proxy/admin/readiness.hpp"
#include "proxy/core/net.hpp"

#include <functional>
#include <string>

namespace litmus::admin {

/// Not thread-safe: the proxy's single io_context thread.
class systemd_notifier {
public:
    /// Reads NOTIFY_SOCKET and WATCHDOG_USEC (and WATCHDOG_PID) once.
    /// `state` is asked for the proxy's state whenever a message is due.
    systemd_notifier(net::any_io_executor ex, std::function<proxy_state()> state);

    /// True when started by systemd with Type=notify (NOTIFY_SOCKET set).
    bool enabled() const noexcept { return enabled_; }

    /// The listeners are up. Sends the first STATUS (READY=1 as well if a
    /// token is already held) and starts the periodic pings.
    void start();

    /// The proxy's state may have changed (a token fetch finished): sends
    /// READY=1 the first time a token is held, else a changed STATUS.
    void update();

    /// Draining begins: STOPPING=1. READY=1 is never sent after this.
    void stopping();

    /// The drain is done: no more pings, nothing left on the io_context.
    void stop();

private:
    void tick();
    void send(const std::string& message);
    std::string status_if_changed();

    net::steady_timer timer_;
    std::function<proxy_state()> state_;
    bool enabled_ = false;
    /// 0: the watchdog is off; else the ping period, half of WATCHDOG_USEC
    /// as sd_watchdog_enabled(3) recommends.
    std::chrono::microseconds watchdog_period_{0};
    bool started_ = false;
    bool ready_sent_ = false;
    bool stopping_ = false;
    bool stopped_ = false;
    bool send_failed_ = false;
    std::string last_status_;
};

}  // namespace litmus::admin

#include "proxy/admin/systemd_notifier.hpp"

#include "proxy/core/log.hpp"

#include "proxy/core/sd_daemon.hpp"

#include <cstdlib>
#include <cstring>

namespace litmus::admin {

namespace {

// Without a watchdog, STATUS= is still refreshed this often, so the token
// life that `systemctl status` shows is never far behind.
constexpr std::chrono::seconds status_refresh{10};

}  // namespace

systemd_notifier::systemd_notifier(net::any_io_executor ex, std::function<proxy_state()> state)
    : timer_(ex), state_(std::move(state))
{
    const char* socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket && *socket;
    if (!enabled_)
        return;
    if (auto interval = sd::watchdog_interval())
        watchdog_period_ = *interval / 2;
}

void systemd_notifier::start()
{
    if (!enabled_)
        return;
    started_ = true;
    log::info("systemd_notify", {{"watchdog_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     watchdog_period_ * 2).count()}});
    update();
    tick();
}

void systemd_notifier::update()
{
    if (!enabled_ || !started_ || stopping_)
        return;
    auto status = status_if_changed();
    if (!ready_sent_ && readiness_of(state_()) == readiness::ready) {
        ready_sent_ = true;
        send("READY=1\nSTATUS=" + last_status_);
    } else if (!status.empty()) {
        send(status);
    }
}

void systemd_notifier::stopping()
{
    if (!enabled_ || stopping_)
        return;
    stopping_ = true;
    last_status_ = "draining";
    send("STOPPING=1\nSTATUS=draining");
}

void systemd_notifier::stop()
{
    stopped_ = true;
    timer_.cancel();
}

// Runs on the event loop, so a loop that is stuck stops the pings and
// systemd's watchdog restarts the service: the pings prove the loop turns.
void systemd_notifier::tick()
{
    timer_.expires_after(watchdog_period_.count() > 0 ? std::chrono::steady_clock::duration(watchdog_period_)
                                                      : std::chrono::steady_clock::duration(status_refresh));
    timer_.async_wait([this](const error_code& ec) {
        if (ec || stopped_)
            return;
        std::string message = watchdog_period_.count() > 0 ? "WATCHDOG=1" : "";
        if (!stopping_) {
            auto status = status_if_changed();
            if (!status.empty())
                message += (message.empty() ? "" : "\n") + status;
        }
        if (!message.empty())
            send(message);
        tick();
    });
}

std::string systemd_notifier::status_if_changed()
{
    auto line = status_line(state_());
    if (line == last_status_)
        return {};
    last_status_ = line;
    return "STATUS=" + line;
}

void systemd_notifier::send(const std::string& message)
{
    int r = sd::notify(message);
    if (r < 0 && !send_failed_) {
        // Logged once: a notify socket that refuses now will refuse again.
        send_failed_ = true;
        log::warn("systemd_notify_failed", {{"error", std::string(std::strerror(-r))}});
    }
}

}  // namespace litmus::admin

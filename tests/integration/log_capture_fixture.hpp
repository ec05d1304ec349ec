#pragma once
// The log lines an in-process proxy writes, for tests that check what it
// logged. They still go to stderr as well.

#include "proxy/core/log.hpp"
#include "proxy/core/net.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::test {

/// Collects every log line written while it is alive. Build it before the
/// running_proxy and destroy it after (declare it first): the proxy's
/// threads must be done logging when it goes. Thread-safe.
class log_capture : public log::line_observer {
public:
    log_capture();
    ~log_capture() override;
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;

    void on_line(std::string_view line) override;

    /// Every line so far, raw.
    std::vector<std::string> lines() const;
    /// The lines whose "event" is `event`, parsed, in order.
    std::vector<json::object> events(std::string_view event) const;
    /// Waits until at least `n` lines of `event` arrived (or the timeout),
    /// then returns them all. The access line is written after the response,
    /// so a client holding its response may still have to wait for it.
    std::vector<json::object> wait_for(std::string_view event, std::size_t n,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    std::size_t count_locked(std::string_view event) const;

    mutable std::mutex m_;
    mutable std::condition_variable cv_;
    std::vector<std::string> lines_;
};

}  // namespace litmus::test

#pragma once
// Writes the access lines that log::buffered_line holds back, on a short
// timer, so that they reach the log within `interval` even when traffic stops.

#include "proxy/core/net.hpp"

#include <chrono>

namespace litmus {

/// Not thread-safe: runs on the thread whose buffered lines it flushes (the
/// proxy's io_context thread; log buffers are per thread).
class log_flush_timer {
public:
    static constexpr std::chrono::milliseconds default_interval{100};

    explicit log_flush_timer(net::any_io_executor ex, std::chrono::milliseconds interval = default_interval);

    /// Until stop(), flushes within `interval` of each line buffered on this
    /// thread while the buffer was empty (the timer is idle otherwise).
    void start();

    /// Cancels the timer and flushes what is buffered now.
    void stop();

    /// Stops watching for buffered lines (without flushing: stop() does).
    ~log_flush_timer();

private:
    void arm();

    net::steady_timer timer_;
    std::chrono::milliseconds interval_;
    bool stopped_ = false;
    bool armed_ = false;
};

}  // namespace litmus

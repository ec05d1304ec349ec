#pragma once
// One unit of a Prometheus gauge held for as long as something lives: an open
// connection, a request in flight. Tying the decrement to a destructor keeps
// the gauge right however the owner ends (early return, exception, a
// coroutine frame destroyed by cancellation).

#include <prometheus/gauge.h>

#include <utility>

namespace litmus {

/// Thread-safe as the gauge is (atomic); one owner at a time.
class gauge_hold {
public:
    gauge_hold() noexcept = default;
    explicit gauge_hold(prometheus::Gauge& g) noexcept : gauge_(&g) { g.Increment(); }
    gauge_hold(gauge_hold&& o) noexcept : gauge_(std::exchange(o.gauge_, nullptr)) {}
    gauge_hold& operator=(gauge_hold&& o) noexcept
    {
        if (this != &o) {
            release();
            gauge_ = std::exchange(o.gauge_, nullptr);
        }
        return *this;
    }
    gauge_hold(const gauge_hold&) = delete;
    gauge_hold& operator=(const gauge_hold&) = delete;
    ~gauge_hold() { release(); }

    /// Gives the unit back now (at most once).
    void release() noexcept
    {
        if (auto* g = std::exchange(gauge_, nullptr))
            g->Decrement();
    }

private:
    prometheus::Gauge* gauge_ = nullptr;
};

}  // namespace litmus

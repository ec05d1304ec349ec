#pragma once
// The client side's metrics: requests by route, method and status class,
// request durations by route, requests in flight and open client
// connections. Every (route, method, class) series is created up front so
// that a request never looks up a family.

#include "proxy/core/net.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::downstream {

/// The `method` label: the methods the proxy forwards by name, "other" for
/// the rest, so that a client inventing methods cannot grow the series.
inline constexpr std::array<std::string_view, 8> method_labels{"GET",    "HEAD",    "POST",  "PUT",
                                                               "PATCH", "DELETE", "OPTIONS", "other"};
std::size_t method_index(http::verb v) noexcept;

/// Thread-safe: prometheus-cpp metrics are atomic.
class downstream_metrics {
public:
    /// `routes` are the upstream names, indexed like proxy_services::pools;
    /// index routes.size() is the route "none" (refused before routing).
    downstream_metrics(prometheus::Registry& r, const std::vector<std::string>& routes);

    /// The counter of a request answered with `status` (100..599).
    prometheus::Counter& request(std::size_t route, http::verb method, unsigned status) noexcept;
    prometheus::Histogram& request_duration(std::size_t route) noexcept { return *durations_[route]; }

    prometheus::Gauge& requests_in_flight;   ///< from a request's first byte to its last response byte
    prometheus::Gauge& connections_open;     ///< client connections accepted and not yet closed
    prometheus::Counter& connections;        ///< client connections accepted

private:
    using by_class = std::array<prometheus::Counter*, 5>;  // 1xx..5xx
    std::vector<std::array<by_class, method_labels.size()>> requests_;  // [route][method][class]
    std::vector<prometheus::Histogram*> durations_;
};

}  // namespace litmus::downstream

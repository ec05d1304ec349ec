#pragma once
// One upstream's connection metrics (litmus_proxy_upstream_*, label
// `upstream` = its name), registered once per upstream pool. A bundle of
// references to metrics that live in the registry: cheap to copy, and every
// copy counts into the same series.

#include "proxy/upstream/upstream_connection.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace litmus::upstream {

/// Thread-safe: prometheus-cpp metrics are atomic.
struct upstream_metrics {
    upstream_metrics(prometheus::Registry& r, const std::string& upstream);

    prometheus::Gauge& connections_open;   ///< open TLS connections, leased or idle
    prometheus::Gauge& connections_idle;   ///< kept in the pool for reuse
    prometheus::Counter& connects;         ///< new connections opened for requests
    prometheus::Counter& reuses;           ///< requests sent on a pooled connection
    prometheus::Counter& connect_failures; ///< TCP, TLS or verification failures
    prometheus::Counter& idle_discarded;   ///< idle connections found expired, closed or readable
    tls_handshake_counters tls_handshakes;
};

}  // namespace litmus::upstream

#include "proxy/upstream/upstream_metrics.hpp"

#include "proxy/core/metric_builders.hpp"

namespace litmus::upstream {

namespace {

constexpr const char* tls_handshakes_help = "TLS handshakes with an upstream, by result";

}  // namespace

upstream_metrics::upstream_metrics(prometheus::Registry& r, const std::string& upstream)
    : connections_open(add_gauge(r, "litmus_proxy_upstream_connections_open",
                                 "Open TLS connections to an upstream, in use or idle", {{"upstream", upstream}})),
      connections_idle(add_gauge(r, "litmus_proxy_upstream_connections_idle",
                                 "Idle keep-alive connections pooled for reuse", {{"upstream", upstream}})),
      connects(add_counter(r, "litmus_proxy_upstream_connects_total",
                           "New TLS connections opened to an upstream for requests", {{"upstream", upstream}})),
      reuses(add_counter(r, "litmus_proxy_upstream_connection_reuses_total",
                         "Requests sent on a pooled keep-alive connection", {{"upstream", upstream}})),
      connect_failures(add_counter(r, "litmus_proxy_upstream_connect_failures_total",
                                   "Failed upstream connection attempts (TCP, TLS or verification)",
                                   {{"upstream", upstream}})),
      idle_discarded(add_counter(r, "litmus_proxy_upstream_idle_discarded_total",
                                 "Idle pooled connections found expired, closed or readable and dropped",
                                 {{"upstream", upstream}})),
      tls_handshakes{add_counter(r, "litmus_proxy_upstream_tls_handshakes_total", tls_handshakes_help,
                                 {{"upstream", upstream}, {"result", "ok"}}),
                     add_counter(r, "litmus_proxy_upstream_tls_handshakes_total", tls_handshakes_help,
                                 {{"upstream", upstream}, {"result", "failed"}}),
                     add_counter(r, "litmus_proxy_upstream_tls_resumed_total",
                                 "Successful upstream TLS handshakes that resumed an earlier session",
                                 {{"upstream", upstream}})}
{
}

}  // namespace litmus::upstream

#pragma once
// What the proxy tells its operators about itself: the /readyz verdict and
// the systemd status line, both decided here from one snapshot so they
// never disagree.

#include <chrono>
#include <string>
#include <string_view>

namespace litmus::admin {

/// A snapshot of the proxy's state, gathered by proxy_app. Never holds a
/// token or a secret.
struct proxy_state {
    bool draining = false;     ///< SIGTERM received: finishing in-flight requests
    bool token_valid = false;  ///< a token is handed out now
    std::chrono::seconds token_valid_for{0};  ///< until that token expires
    /// Why the last token fetch failed: the endpoint's OAuth error (such as
    /// "invalid_client") when it gave one, else the proxy's error name
    /// ("token_endpoint_failed"). "" once a fetch succeeds, or before any
    /// fetch has finished.
    std::string token_error;
};

enum class readiness {
    ready,                   ///< a valid token is held and the proxy is not draining
    no_token,                ///< no valid token, and the token endpoint has not failed (first fetch pending, or a revoked token being replaced)
    token_endpoint_failing,  ///< no valid token, and the last fetch failed
    draining,                ///< stopping: a load balancer should send no new requests
};

/// Draining wins over everything; then a valid token means ready.
readiness readiness_of(const proxy_state& s) noexcept;

/// The `reason` of /readyz ("ready" for ready).
std::string_view to_string(readiness r) noexcept;

/// The /readyz body: {"status":"ready"}, or {"status":"not_ready",
/// "reason":…} with "error" added for token_endpoint_failing.
std::string readiness_body(const proxy_state& s);

/// One short line for systemd's STATUS=: "serving; token valid for 7140 s",
/// "waiting for first token", "waiting for a token: invalid_client",
/// "draining".
std::string status_line(const proxy_state& s);

}  // namespace litmus::admin

#pragma once
// `litmus-proxy health`: the container HEALTHCHECK with nothing but the
// binary (no curl, no shell). Asks the running proxy's admin listener
// GET /healthz and exits 0 when it answers 200.

#include "proxy/config/config.hpp"
#include "proxy/config/config_loader.hpp"

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

namespace litmus::cli {

inline constexpr int health_ok = 0;
/// Also for a configuration that cannot be loaded: container runtimes take
/// 1 as "unhealthy" and reserve 2.
inline constexpr int health_failed = 1;

/// The whole exchange (connect, request, answer) is bounded by this.
inline constexpr std::chrono::milliseconds health_timeout{2'000};

/// GETs http://<admin>/healthz, with an unspecified address (0.0.0.0, [::])
/// asked on loopback of the same family, all within `timeout`. On 200
/// writes one "healthy: ..." line to `out` and returns health_ok; otherwise
/// one "unhealthy: <cause>" line to `err` and returns health_failed.
/// Runs its own io_context; thread-safe.
int run_health(const config::endpoint& admin, std::ostream& out, std::ostream& err,
               std::chrono::milliseconds timeout = health_timeout);

/// The `health` command: loads the configuration at `config_path` (nullopt:
/// defaults) and `env` without resolving credentials (it never fetches a
/// token, so it needs none), then run_health() on admin.listen.
int run_health_command(const std::optional<std::string>& config_path, const config::env_lookup& env,
                       std::ostream& out, std::ostream& err);

}  // namespace litmus::cli

#pragma once
// What a downstream session needs to serve requests, built once in main and
// shared by every session. Not thread-safe: the proxy runs one io_context thread.

#include "proxy/config/config.hpp"
#include "proxy/forward/request_id.hpp"
#include "proxy/forward/forward_metrics.hpp"
#include "proxy/routing/request_decision.hpp"
#include "proxy/routing/router.hpp"
#include "proxy/token/token_source.hpp"
#include "proxy/upstream/upstream_pool.hpp"

#include <memory>
#include <vector>

namespace litmus::users {
class litmus_endpoints;
class user_tokens;
}  // namespace litmus::users

namespace litmus::forward {

struct proxy_services {
    const config::proxy_config& cfg;
    routing::router router;
    routing::request_policy request_policy;
    std::vector<std::unique_ptr<upstream::upstream_pool>> pools;  ///< index = route.upstream
    token::token_source& tokens;
    forward_metrics& metrics;
    bool draining = false;  ///< set on SIGTERM: finish the current request, then close
    request_id_source request_ids{};
    /// The users feature (null when the config has no users section): the
    /// /_litmus/ endpoints and the tokens of requests naming a Litmus-User.
    users::litmus_endpoints* user_endpoints = nullptr;
    users::user_tokens* user_tokens = nullptr;
};

}  // namespace litmus::forward

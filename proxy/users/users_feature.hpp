#pragma once
// The users feature assembled from the configuration's users section: its
// metrics, the store (timed), the users' token sources, the identity call
// and the /_litmus/ endpoints. proxy_app builds one when the section is
// present and hands the session the endpoints and token sources.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"
#include "proxy/token/credential_source.hpp"
#include "proxy/token/token_client.hpp"
#include "proxy/token/token_metrics.hpp"
#include "proxy/users/identity_client.hpp"
#include "proxy/users/litmus_endpoints.hpp"
#include "proxy/users/user_store.hpp"
#include "proxy/users/user_tokens.hpp"
#include "proxy/users/users_metrics.hpp"

#include <prometheus/registry.h>

#include <memory>

namespace litmus::users {

/// Not thread-safe: built, started and stopped on the proxy's io_context
/// thread. Destroy it only after stop() and after the io_context has run
/// the token loops' cancellation (as for the proxy's own token source).
class users_feature {
public:
    /// `cfg.users` must be set, its key resolved. Opens nothing: the store
    /// opens on first use.
    users_feature(net::any_io_executor ex, const config::proxy_config& cfg, ssl::context& tls,
                  prometheus::Registry& registry, const token::credential_source& creds,
                  const token::token_client& client);

    litmus_endpoints& endpoints() noexcept { return endpoints_; }
    user_tokens& tokens() noexcept { return tokens_; }

    void start();
    /// Stops every user's token source (shutdown).
    void stop();

private:
    users_metrics metrics_;
    token::token_metrics token_metrics_;
    std::unique_ptr<user_store> store_;
    identity_client identity_;
    user_tokens tokens_;
    litmus_endpoints endpoints_;
};

}  // namespace litmus::users

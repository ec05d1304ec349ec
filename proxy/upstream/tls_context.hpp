#pragma once
// The client TLS context shared by every upstream and token connection.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"

namespace litmus::upstream {

/// TLS 1.2+ client context that verifies peers against the system store plus
/// `tls.ca_file`. Host name checks and SNI are per connection (see
/// upstream_connection). Throws std::runtime_error naming the file when the
/// CA bundle cannot be loaded: a start-up failure, not a data-path one.
ssl::context make_client_tls_context(const config::tls_config& cfg);

}  // namespace litmus::upstream

#pragma once
// `litmus-proxy check`: proves a configuration works end to end before it is
// deployed, the way an operator would by hand: validate it, fetch a token,
// call GET /v3/ping/authenticated on the api upstream over the same verified
// TLS the proxy uses, and say in plain words what worked or what did not.

#include "proxy/config/config.hpp"

#include <iosfwd>

namespace litmus::cli {

inline constexpr int check_passed = 0;
inline constexpr int check_failed = 1;

/// Runs the check for an already loaded and validated `cfg` on its own
/// io_context; each step is bounded by the config's own timeouts
/// (token.fetch_timeout, upstream.connect_timeout, upstream.write_timeout,
/// upstream.response_timeout). Writes one summary line per step to `out`,
/// and on failure one line "check failed: <cause>" to `err`. Never writes the
/// token or the client secret. Returns check_passed or check_failed.
/// Lowers the log level to error: the data path's warnings would only repeat
/// the summary as JSON.
int run_check(const config::proxy_config& cfg, std::ostream& out, std::ostream& err);

}  // namespace litmus::cli

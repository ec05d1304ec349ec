#pragma once
// Builds the proxy_config from an optional YAML file plus the environment,
// validates it in one place and resolves the client credentials. The only
// place that reads YAML or configuration environment variables.

#include "proxy/config/config.hpp"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::config {

/// A configuration that cannot be used. The message is complete and meant for
/// the operator: it names the source (file:line:column or the environment
/// variable) and the key, e.g.
/// "config.yaml:7:18: token.fetch_timeout: expected a duration such as 500ms, 10s, 2m or 1h, got 'soon'".
/// It never contains a client id, client secret or the content of a credential file.
struct config_error : std::runtime_error {
    using runtime_error::runtime_error;
};

/// The users' token encryption key when users.key_file is not set (32
/// random bytes as base64 or hex).
inline constexpr std::string_view users_key_env = "LITMUS_PROXY_USERS_KEY";

/// Looks up an environment variable; nullopt when unset. An empty value is
/// treated as unset by load_config().
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (::getenv). Thread-safe as long as nothing calls
/// setenv() concurrently.
env_lookup process_env();

/// `env`'s value for `name`, nullopt when it is unset or empty (an empty
/// variable counts as unset everywhere in the configuration).
std::optional<std::string> env_value_of(const env_lookup& env, std::string_view name);

/// The upstreams used when the config has no `upstreams` key:
/// api -> https://api.litmus.com under /api, instant -> https://instant-api.litmus.com under /instant.
std::vector<upstream_config> default_upstreams();

/// Whether load_config() resolves the client credentials.
enum class credentials_use {
    required,    ///< resolved (credential files read); missing ones are an error
    not_needed,  ///< left as the file gives them, nothing read: for commands that never fetch a token (`health`)
};

/// The config file read when no --config is given, if it exists (as nginx
/// has a compiled-in default path): the container image and the systemd unit
/// put it here.
inline constexpr std::string_view default_config_path = "/etc/litmus-proxy/config.yaml";

/// Names another file to take default_config_path's place (tests, other
/// layouts); the same rule applies to it: read when it exists.
inline constexpr std::string_view config_path_env = "LITMUS_PROXY_CONFIG";

/// The config file to load: `given` (--config) when set, else the file
/// LITMUS_PROXY_CONFIG names or default_config_path, if that exists; nullopt
/// (built-in defaults) when it does not (ENOENT, ENOTDIR). A file that exists
/// but cannot be read is returned, so that load_config() reports it.
std::optional<std::string> config_path_to_load(const std::optional<std::string>& given, const env_lookup& env);

/// Loads the config file at `path` (nullopt: no file, defaults only), then
/// applies the environment:
///  - LITMUS_PROXY_LISTEN, LITMUS_TOKEN_URL, LITMUS_TLS_CA_FILE override
///    `listen`, `token.url` and `tls.ca_file`;
///  - the client id and secret are, each on its own: the config's value, else
///    the content of the config's *_file, else LITMUS_CLIENT_ID /
///    LITMUS_CLIENT_SECRET, else the content of LITMUS_CLIENT_ID_FILE /
///    LITMUS_CLIENT_SECRET_FILE, else $CREDENTIALS_DIRECTORY/client_id /
///    client_secret (systemd; trailing whitespace trimmed);
///  - with a `users:` section, the token encryption key comes from
///    users.key_file, else LITMUS_PROXY_USERS_KEY, and the old key from
///    users.old_key_file; none is an error (the message says how to make one).
/// Every value is checked against its documented range, and `parsed` of the
/// token and upstream URLs is filled. Reads the config, credential and CA
/// files once (token/credential_source re-reads credential files later). Throws config_error for anything unusable and
/// nothing else. Thread-safe if `env` is.
proxy_config load_config(const std::optional<std::string>& path, const env_lookup& env,
                         credentials_use credentials = credentials_use::required);

/// As load_config(), with the YAML text given directly; `source_name` stands
/// for the file name in messages and in proxy_config::source.
proxy_config load_config_from_string(std::string_view yaml, std::string_view source_name,
                                     const env_lookup& env,
                                     credentials_use credentials = credentials_use::required);

}  // namespace litmus::config

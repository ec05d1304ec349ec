#pragma once
// The proxy's configuration as plain structs with in-class defaults.
// Filled by load_config() (config_loader.hpp) from YAML + environment and
// validated there in one place; components receive `const X_config&` and never
// read YAML themselves.

#include "proxy/core/log.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace litmus::config {

using duration = std::chrono::milliseconds;

/// A TCP destination, "HOST:PORT". Used for `connect:` overrides (like curl's
/// --connect-to: the TCP connection goes here, while SNI, certificate
/// verification and the Host header keep the URL's host) and for listeners.
struct endpoint {
    std::string host;
    std::uint16_t port = 0;
};

/// Permission bits of a file the proxy creates, written in octal ("0660").
struct file_mode {
    std::uint32_t bits = 0;
};

/// An https URL split into the parts the proxy uses. Only https is accepted.
struct https_url {
    std::string host;        ///< lower-case host name, e.g. "api.litmus.com"
    std::uint16_t port = 443;
    std::string path;        ///< path prefix without trailing '/', "" for root
    std::string authority() const;  ///< "host" or "host:port" when not 443
};

struct credentials_config {
    /// The values in use, resolved by load_config(): the file's own value,
    /// else the content of the *_file, else LITMUS_CLIENT_ID / LITMUS_CLIENT_SECRET.
    std::string client_id;
    std::string client_secret;
    /// Paths to files holding the value (Kubernetes secret volumes). Trailing
    /// whitespace is trimmed. "" = not used.
    std::string client_id_file;
    std::string client_secret_file;
    /// How often the *_file credentials are checked for a change (a cheap
    /// stat; the file is re-read only when it changed). Default 1 s, range
    /// 0 .. 1 h; 0 = only on SIGHUP.
    duration watch_interval{1'000};
};

struct token_config {
    /// Token endpoint. Default: https://litmus.com/oauth/token.
    std::string url = "https://litmus.com/oauth/token";
    https_url parsed;                 ///< filled from `url` by load_config()
    std::optional<endpoint> connect;  ///< TCP destination override
    /// Whole-request deadline of one token endpoint call (connect, TLS, write,
    /// read). Default 10 s, range 100 ms .. 5 min.
    duration fetch_timeout{10'000};
    /// How long a request with no valid token waits for one before the proxy
    /// answers 503. Default 5 s, range 0 .. 5 min (0 = answer 503 at once).
    duration wait_timeout{5'000};
    /// Refresh this long before expiry, as a fraction of the token's lifetime.
    /// Default 0.2, range (0, 0.9].
    double refresh_before = 0.2;
    /// Random spread of the refresh point, as a fraction of the margin (±).
    /// Default 0.1, range [0, 0.5].
    double refresh_jitter = 0.1;
    /// Lifetime assumed when a response has no usable `expires_in`.
    /// Default 1 h, range 10 s .. 24 h.
    duration default_lifetime{3'600'000};
    /// Lifetimes above this are capped to it (a token is re-fetched at least
    /// this often). Default 24 h.
    duration max_lifetime{86'400'000};
    /// Backoff between failed token fetches: starts here, doubles, capped.
    duration backoff_initial{500};
    duration backoff_max{30'000};
};

struct upstream_config {
    std::string name;                 ///< e.g. "api"; used in logs and metrics
    std::string url;                  ///< e.g. "https://api.litmus.com"
    https_url parsed;                 ///< filled from `url` by load_config()
    std::string prefix;               ///< e.g. "/api"; stripped before forwarding; "" = Host routing only
    std::optional<endpoint> connect;  ///< TCP destination override
};

struct tls_config {
    /// Extra CA bundle (PEM) trusted for upstream and token connections, in
    /// addition to the system store. "" = the system store only.
    std::string ca_file;
};

struct downstream_config {
    /// Proxy listener. Default 127.0.0.1:8080. A non-loopback host must be
    /// written out explicitly.
    endpoint listen{"127.0.0.1", 8080};
    /// Set by `listen: unix:PATH`: the proxy listens on a Unix-domain socket
    /// at this absolute path instead (`listen` is then unused), so that file
    /// permissions, not the network, decide who may call. "" = TCP.
    std::string unix_path;
    /// Permission bits of that socket file, set before it accepts anything:
    /// connecting needs write permission, so this decides who may call.
    /// Default 0660 (owner and group), octal, at most 0777. Unused for TCP
    /// and for a socket systemd passes in (its SocketMode= applies).
    file_mode listen_mode{0660};
    /// Largest request header block, bytes. Default 16 KiB, range 1 KiB .. 1 MiB. Over it: 431.
    std::uint32_t header_limit = 16 * 1024;
    /// Largest request body, bytes. Default 64 MiB. Over it: 413.
    std::uint64_t body_limit = 64ull * 1024 * 1024;
    /// Request bodies up to this size are buffered so a request can be
    /// replayed after a 401; larger ones are streamed. Default 8 MiB.
    std::uint64_t replay_limit = 8ull * 1024 * 1024;
    /// Time allowed to receive a request's header once its first byte came. Default 10 s.
    duration header_timeout{10'000};
    /// Keep-alive connection with no request in progress is closed after this. Default 60 s.
    duration idle_timeout{60'000};
    /// Time allowed for one read or write of a body chunk. Default 60 s.
    duration io_timeout{60'000};
    /// Longest request-target, bytes. Default 8 KiB, range 256 B .. 1 MiB
    /// (the header_limit caps it too). Over it: 414.
    std::uint32_t target_limit = 8 * 1024;
    /// Host names accepted in the Host header besides loopback names and
    /// addresses and the upstream hosts (e.g. a Kubernetes Service name when
    /// the listener is not on loopback). Lower-case, no port (any port is
    /// accepted). Default: none.
    std::vector<std::string> allowed_hosts;
    /// Browser origins ("https://app.example", "http://localhost:3000") whose
    /// requests are served; any other request carrying Origin, or a
    /// Sec-Fetch-Site other than none/same-origin, is refused with 403.
    /// Lower-case scheme://host[:port]. Default: none.
    std::vector<std::string> allowed_origins;
    /// After SIGTERM, in-flight requests get this long to finish before their
    /// connections are cut. Default 25 s (under Kubernetes' 30 s grace
    /// period), range 0 .. 1 h; 0 cuts them at once.
    duration drain_timeout{25'000};
};

struct upstream_defaults_config {
    /// TCP connect + TLS handshake. Default 5 s. Exceeded: 504.
    duration connect_timeout{5'000};
    /// From request sent to response header received, and per body read. Default 60 s. Exceeded: 504.
    duration response_timeout{60'000};
    /// One write of the request (header or a body chunk) to the upstream.
    /// Default 60 s. Exceeded: 504 when nothing was answered yet.
    duration write_timeout{60'000};
    /// The whole response, from the request sent to the last body byte, so a
    /// server that drips bytes cannot hold a connection forever. Default
    /// 5 min, range 1 ms .. 24 h. Exceeded before the header: 504; during the
    /// body: the client connection is closed (the status was already sent).
    duration response_deadline{300'000};
    /// An idle pooled connection older than this is closed. Default 30 s.
    duration idle_timeout{30'000};
    /// Idle connections kept per upstream. Default 64, 0 disables reuse.
    std::uint32_t max_idle = 64;
};

/// The admin listener: /metrics, /healthz, /readyz and nothing else.
struct admin_config {
    /// Default 127.0.0.1:9090. In Kubernetes set 0.0.0.0:9090: the kubelet's
    /// probes and Prometheus come from the pod IP, while the proxy listener
    /// stays on loopback.
    endpoint listen{"127.0.0.1", 9090};
};

/// The logger's own levels: what the config names is what log::set_level() takes.
using log_level = log::level;

struct log_config {
    /// Lines below this level are dropped. Default info. Re-read on SIGHUP.
    log_level level = log_level::info;
    /// One line per request answered. Default true.
    bool access = true;
};

/// 32 bytes of key material: the AES-256 key that encrypts the tokens in the
/// user store (users.key_file, LITMUS_PROXY_USERS_KEY, users.old_key_file).
using store_key = std::array<std::uint8_t, 32>;

/// Where the user store lives, from `users.store`.
struct user_store_location {
    enum class kind { sqlite, postgres };
    kind type = kind::sqlite;
    /// The SQLite file path, or the PostgreSQL connection URL exactly as
    /// written (it may hold a password: never log it).
    std::string target = "/var/lib/litmus-proxy/users.db";
};

/// The users feature (authorization-code flow, per-user tokens): on when the
/// config has a `users:` mapping (`users: {}` for all defaults); a `users:`
/// key with no value keeps the default, off, like any other key.
struct users_config {
    /// Litmus's authorization page the app's users are sent to. https only.
    /// Default https://litmus.com/oauth/authorize.
    std::string authorize_url = "https://litmus.com/oauth/authorize";
    https_url authorize_parsed;  ///< filled from `authorize_url` by load_config()
    /// "sqlite:PATH" (one process owns the file) or "postgres://..." /
    /// "postgresql://..." (shared by replicas). Default
    /// sqlite:/var/lib/litmus-proxy/users.db.
    std::string store = "sqlite:/var/lib/litmus-proxy/users.db";
    user_store_location store_location;  ///< filled from `store` by load_config()
    /// File holding the token encryption key: 32 random bytes as base64 (44
    /// characters) or hex (64), e.g. `openssl rand -base64 32`; trailing
    /// whitespace trimmed. "" = LITMUS_PROXY_USERS_KEY gives the key instead.
    std::string key_file;
    /// The previous key during a rotation: rows it encrypted are still read,
    /// and re-encrypted under the current key when next written. "" = none.
    std::string old_key_file;
    /// How long an authorization `state` stays usable. Default 10m, range 1s .. 1h.
    duration state_ttl{600'000};
    /// Absolute URIs an authorization may redirect to (exact match). Empty
    /// (default): any redirect_uri the app gives, or none.
    std::vector<std::string> redirect_uris;
    /// The user whose token serves requests without a Litmus-User header. ""
    /// (default): such requests use the client-credentials token.
    std::string default_user;
    /// The key material, resolved by load_config() (not with
    /// credentials_use::not_needed). Never logged.
    std::optional<store_key> key;
    std::optional<store_key> old_key;
};

struct proxy_config {
    downstream_config downstream;
    admin_config admin;
    log_config log;
    credentials_config credentials;
    token_config token;
    std::vector<upstream_config> upstreams;  ///< defaults: api, instant (see load_config)
    upstream_defaults_config upstream;
    tls_config tls;
    std::optional<users_config> users;  ///< nullopt: the users feature is off
    /// Where the config came from, for messages ("<defaults>" with no file).
    std::string source = "<defaults>";
};

}  // namespace litmus::config

#include "proxy/config/config_schema.hpp"

#include "proxy/config/config_loader.hpp"
#include "proxy/config/users_values.hpp"

#include <algorithm>

namespace litmus::config {

namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = 1024 * kib;
constexpr std::uint64_t gib = 1024 * mib;

constexpr duration ms(std::int64_t n)
{
    return duration{n};
}
constexpr duration seconds(std::int64_t n)
{
    return ms(n * 1000);
}
constexpr duration minutes(std::int64_t n)
{
    return seconds(n * 60);
}
constexpr duration hours(std::int64_t n)
{
    return minutes(n * 60);
}

// Timeouts: more than nothing, and an hour is already far past any sensible wait.
constexpr range<duration> timeout_range{ms(1), hours(1)};

constexpr std::string_view reserved_prefix = "/_litmus";

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// RFC 3986 pchar without percent-encoding, plus '/'.
bool is_prefix_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

void check_prefix(const yaml_reader& r, const std::string& prefix, const YAML::Mark& mark, const std::string& key)
{
    if (prefix.empty())
        return;  // routed by Host only
    if (prefix.front() != '/')
        r.fail(mark, key, "must start with '/', such as /api, got " + quoted(prefix));
    if (prefix.back() == '/')
        r.fail(mark, key, "must not end with '/', such as /api, got " + quoted(prefix));
    if (!std::all_of(prefix.begin(), prefix.end(), is_prefix_char))
        r.fail(mark, key,
               "may hold only letters, digits, '/' and -._~!$&'()*+,;=:@ (no spaces or "
               "percent-encoding), got " + quoted(prefix));
    std::size_t start = 1;
    while (start <= prefix.size()) {
        auto slash = std::min(prefix.find('/', start), prefix.size());
        auto seg = std::string_view(prefix).substr(start, slash - start);
        if (seg.empty() || seg == "." || seg == "..")
            r.fail(mark, key, "must not have empty, '.' or '..' segments, got " + quoted(prefix));
        start = slash + 1;
    }
    if (path_under(prefix, reserved_prefix))
        r.fail(mark, key, "'/_litmus' is reserved for the proxy's own endpoints, got " + quoted(prefix));
}

/// An https URL kept as written in `url`, split into `parsed`.
template <class T>
field<T> url_field(std::string_view key, std::string T::* url, https_url T::* parsed,
                   std::string_view required = {})
{
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                t.*parsed = r.parse(v, path, parse_https_url, "an https URL");
                t.*url = v.Scalar();
            },
            describe_value<T>([=](const T& d) { return d.*url; }), required};
}

// The values are secrets: read as text, never quoted in a message. An empty
// value counts as not given (the loader resolves the sources).
const field<credentials_config> credentials_fields[] = {
    text_field("client_id", &credentials_config::client_id, "a string"),
    text_field("client_secret", &credentials_config::client_secret, "a string"),
    text_field("client_id_file", &credentials_config::client_id_file, "a string"),
    text_field("client_secret_file", &credentials_config::client_secret_file, "a string"),
    duration_field("watch_interval", &credentials_config::watch_interval, {ms(0), hours(1)}),
};

const field<token_config> token_fields[] = {
    url_field("url", &token_config::url, &token_config::parsed),
    value_field("connect", &token_config::connect, parse_endpoint, "HOST:PORT"),
    duration_field("fetch_timeout", &token_config::fetch_timeout, {ms(100), minutes(5)}),
    duration_field("wait_timeout", &token_config::wait_timeout, {ms(0), minutes(5)}),
    fraction_field("refresh_before", &token_config::refresh_before, {0.0, 0.9}, true),
    fraction_field("refresh_jitter", &token_config::refresh_jitter, {0.0, 0.5}, false),
    duration_field("default_lifetime", &token_config::default_lifetime, {seconds(10), hours(24)}),
    duration_field("max_lifetime", &token_config::max_lifetime, {seconds(10), hours(7 * 24)}),
    duration_field("backoff_initial", &token_config::backoff_initial, {ms(10), minutes(5)}),
    duration_field("backoff_max", &token_config::backoff_max, {ms(10), hours(1)}),
};

constexpr std::string_view name_and_url = "each upstream needs a name and a url";

const field<upstream_config> upstream_entry_fields[] = {
    {"name",
     [](yaml_reader& r, const YAML::Node& v, const std::string& path, upstream_config& u) {
         u.name = r.scalar(v, path, "a name such as api");
         if (u.name.empty() || !std::all_of(u.name.begin(), u.name.end(), is_name_char))
             r.fail(v.Mark(), path, "must be lower-case letters, digits, '-' or '_', got " + quoted(u.name));
         // The metrics' route label for requests refused before routing.
         if (u.name == "none")
             r.fail(v.Mark(), path, "'none' is reserved (the route of requests that match no upstream)");
     },
     describe_value<upstream_config>([](const upstream_config&) { return std::optional<std::string>(); }),
     name_and_url},
    url_field("url", &upstream_config::url, &upstream_config::parsed, name_and_url),
    {"prefix",
     [](yaml_reader& r, const YAML::Node& v, const std::string& path, upstream_config& u) {
         u.prefix = r.scalar(v, path, "a path prefix such as /api");
         check_prefix(r, u.prefix, v.Mark(), path);
     },
     describe_value<upstream_config>([](const upstream_config& d) { return d.prefix; })},
    value_field("connect", &upstream_config::connect, parse_endpoint, "HOST:PORT"),
};

const field<upstream_defaults_config> upstream_fields[] = {
    duration_field("connect_timeout", &upstream_defaults_config::connect_timeout, timeout_range),
    duration_field("response_timeout", &upstream_defaults_config::response_timeout, timeout_range),
    duration_field("write_timeout", &upstream_defaults_config::write_timeout, timeout_range),
    duration_field("response_deadline", &upstream_defaults_config::response_deadline, {ms(1), hours(24)}),
    duration_field("idle_timeout", &upstream_defaults_config::idle_timeout, timeout_range),
    count_field("max_idle", &upstream_defaults_config::max_idle, {0, 10'000}),
};

const field<downstream_config> downstream_fields[] = {
    size_field("header_limit", &downstream_config::header_limit, {kib, mib}),
    size_field("body_limit", &downstream_config::body_limit, {kib, 16 * gib}),
    size_field("replay_limit", &downstream_config::replay_limit, {0, gib}),
    duration_field("header_timeout", &downstream_config::header_timeout, timeout_range),
    duration_field("idle_timeout", &downstream_config::idle_timeout, timeout_range),
    duration_field("io_timeout", &downstream_config::io_timeout, timeout_range),
    size_field("target_limit", &downstream_config::target_limit, {256, mib}),
    list_field("allowed_hosts", &downstream_config::allowed_hosts, parse_host_name,
               "a host name such as proxy.example"),
    list_field("allowed_origins", &downstream_config::allowed_origins, parse_origin,
               "an origin such as https://app.example"),
    duration_field("drain_timeout", &downstream_config::drain_timeout, {ms(0), hours(1)}),
    value_field("listen_mode", &downstream_config::listen_mode, parse_file_mode, "an octal mode such as \"0660\""),
};

const field<tls_config> tls_fields[] = {
    text_field("ca_file", &tls_config::ca_file, "a file path"),
};

const field<admin_config> admin_fields[] = {
    value_field("listen", &admin_config::listen, parse_listen_address, "HOST:PORT"),
};

const field<log_config> log_fields[] = {
    value_field("level", &log_config::level, parse_log_level, "debug, info, warn or error"),
    value_field("access", &log_config::access, parse_bool, "true or false"),
};

// The key files are read and checked by the loader (with the environment's
// LITMUS_PROXY_USERS_KEY); here they are paths.
const field<users_config> users_fields[] = {
    url_field("authorize_url", &users_config::authorize_url, &users_config::authorize_parsed),
    {"store",
     [](yaml_reader& r, const YAML::Node& v, const std::string& path, users_config& u) {
         u.store_location = r.parse(v, path, parse_user_store, "sqlite:PATH or postgres://...");
         u.store = v.Scalar();
     },
     describe_value<users_config>([](const users_config& d) { return d.store; })},
    text_field("key_file", &users_config::key_file, "a file path"),
    text_field("old_key_file", &users_config::old_key_file, "a file path"),
    duration_field("state_ttl", &users_config::state_ttl, {seconds(1), hours(1)}),
    list_field("redirect_uris", &users_config::redirect_uris, parse_redirect_uri,
               "an absolute URI such as https://app.example/litmus/callback"),
    value_field("default", &users_config::default_user, parse_user_key, "a user key"),
};

/// `upstreams`: a non-empty list of entries that replaces the defaults.
const field<proxy_config> upstreams_field{
    "upstreams",
    [](yaml_reader& r, const YAML::Node& v, const std::string& path, proxy_config& c) {
        if (!v.IsSequence())
            r.fail(v.Mark(), path, "expected a list of upstreams (- name: ..., url: ...), got " + kind_of(v));
        if (v.size() == 0)
            r.fail(v.Mark(), path,
                   "must list at least one upstream; leave the key out to use the defaults (api and instant)");
        c.upstreams.clear();
        std::size_t index = 0;
        for (auto item : v) {
            upstream_config u;
            read_mapping<upstream_config>(r, item, path + "[" + std::to_string(index++) + "]",
                                          upstream_entry_fields, u);
            c.upstreams.push_back(std::move(u));
        }
    },
    [](const proxy_config&, const std::string& path, std::vector<reference_entry>& out) {
        out.push_back({path, std::nullopt});
        const upstream_config entry;
        for (const auto& f : upstream_entry_fields)
            f.describe(entry, path + "[]." + std::string(f.key), out);
    }};

const field<proxy_config> top_level_fields[] = {
    {"listen",
     [](yaml_reader& r, const YAML::Node& v, const std::string& path, proxy_config& c) {
         auto at = r.parse(v, path, parse_proxy_listen, "HOST:PORT or unix:PATH");
         c.downstream.listen = at.tcp;
         c.downstream.unix_path = at.unix_path;
     },
     describe_value<proxy_config>([](const proxy_config& d) { return show_value(d.downstream.listen); })},
    section_field("credentials", &proxy_config::credentials, credentials_fields),
    section_field("token", &proxy_config::token, token_fields),
    upstreams_field,
    section_field("upstream", &proxy_config::upstream, upstream_fields),
    section_field("downstream", &proxy_config::downstream, downstream_fields),
    section_field("tls", &proxy_config::tls, tls_fields),
    section_field("admin", &proxy_config::admin, admin_fields),
    section_field("log", &proxy_config::log, log_fields),
    optional_section_field("users", &proxy_config::users, users_fields),
};

}  // namespace

void read_config_tree(yaml_reader& r, const YAML::Node& root, proxy_config& cfg)
{
    if (!root.IsMap())
        r.fail(root.Mark(), "", "expected a mapping of settings (key: value) at the top level, got " + kind_of(root));
    read_mapping<proxy_config>(r, root, "", top_level_fields, cfg);
}

std::vector<reference_entry> config_reference()
{
    proxy_config defaults;
    defaults.upstreams = default_upstreams();
    std::vector<reference_entry> out;
    for (const auto& f : top_level_fields)
        f.describe(defaults, std::string(f.key), out);
    return out;
}

}  // namespace litmus::config

#include "proxy/config/config_loader.hpp"

#include "proxy/config/config_values.hpp"
#include "proxy/config/credentials.hpp"
#include "proxy/config/file_content.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <system_error>

namespace litmus::config {

namespace {

constexpr std::string_view top_level_keys[] = {"listen",   "credentials", "token", "upstreams",
                                               "upstream", "downstream",  "tls",
                                               "admin",    "log"};
constexpr std::string_view credentials_keys[] = {"client_id", "client_secret", "client_id_file",
                                                 "client_secret_file", "watch_interval"};
constexpr std::string_view token_keys[] = {
    "url",          "connect",        "fetch_timeout",    "wait_timeout",    "refresh_before",
    "refresh_jitter", "default_lifetime", "max_lifetime", "backoff_initial", "backoff_max"};
constexpr std::string_view upstream_entry_keys[] = {"name", "url", "prefix", "connect"};
constexpr std::string_view upstream_keys[] = {"connect_timeout", "response_timeout", "write_timeout",
                                              "response_deadline", "idle_timeout", "max_idle"};
constexpr std::string_view downstream_keys[] = {"header_limit",   "body_limit",    "replay_limit",
                                                "header_timeout", "idle_timeout",  "io_timeout",
                                                "target_limit",   "allowed_hosts", "allowed_origins",
                                                "drain_timeout"};
constexpr std::string_view tls_keys[] = {"ca_file"};
constexpr std::string_view admin_keys[] = {"listen"};
constexpr std::string_view log_keys[] = {"level", "access"};

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = 1024 * kib;
constexpr std::uint64_t gib = 1024 * mib;

constexpr std::size_t max_config_file_size = 4 * mib;

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

template <class T>
struct range {
    T min;
    T max;
};

// Timeouts: more than nothing, and an hour is already far past any sensible wait.
constexpr range<duration> timeout_range{ms(1), hours(1)};

constexpr std::string_view reserved_prefix = "/_litmus";

constexpr std::string_view missing_credentials_help =
    "no Litmus client credentials: set LITMUS_CLIENT_ID and LITMUS_CLIENT_SECRET "
    "(or LITMUS_CLIENT_ID_FILE / LITMUS_CLIENT_SECRET_FILE), or credentials.client_id / "
    "credentials.client_id_file and credentials.client_secret / credentials.client_secret_file "
    "in the config file";

std::string position(std::string_view source, const YAML::Mark& mark)
{
    std::string out(source);
    if (!mark.is_null() && mark.line >= 0)
        out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    return out;
}

std::string kind_of(const YAML::Node& node)
{
    switch (node.Type()) {
    case YAML::NodeType::Scalar: return "a single value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
    }
}

std::string join(std::span<const std::string_view> names)
{
    std::string out;
    for (auto n : names) {
        if (!out.empty())
            out += ", ";
        out += n;
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string format_number(double d)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
}

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

// True when `inner` equals `outer` or lies under it by whole segments.
bool under(std::string_view inner, std::string_view outer)
{
    return inner.starts_with(outer) && (inner.size() == outer.size() || inner[outer.size()] == '/');
}

/// One load: reads the YAML tree into a proxy_config (each value checked on
/// its own), checks what spans several keys, applies the environment
/// overrides, checks the CA file and resolves the credentials. Every error is
/// thrown as config_error with the position of the offending node. Values of
/// the credentials are never put into a message.
class loader {
public:
    loader(std::string source, const env_lookup& env) : source_(std::move(source)), env_(env)
    {
        cfg_.source = source_;
        cfg_.token.parsed = parse_https_url(cfg_.token.url).value();
        cfg_.upstreams = default_upstreams();
    }

    proxy_config load(const YAML::Node& root)
    {
        if (root.IsDefined() && !root.IsNull())
            read_top_level(root);
        check_limits();
        check_backoff();
        check_upstreams();
        apply_environment();
        check_ca_file();
        resolve_credentials();
        return std::move(cfg_);
    }

private:
    struct entry {
        YAML::Node key;
        YAML::Node value;
    };
    using section = std::map<std::string, entry, std::less<>>;

    [[noreturn]] void fail(const YAML::Mark& mark, std::string_view key, std::string_view what) const
    {
        std::string msg = position(source_, mark) + ": ";
        if (!key.empty())
            msg.append(key).append(": ");
        msg.append(what);
        throw config_error(msg);
    }

    [[noreturn]] static void fail_env(std::string_view variable, std::string_view what)
    {
        throw config_error("environment " + std::string(variable) + ": " + std::string(what));
    }

    YAML::Mark mark_of(const std::string& key) const
    {
        auto it = marks_.find(key);
        return it == marks_.end() ? YAML::Mark::null_mark() : it->second;
    }

    std::optional<std::string> env(std::string_view name) const { return env_value_of(env_, name); }

    // The keys of a mapping, each checked against `known` and given once.
    section open_section(const YAML::Node& node, const std::string& path,
                         std::span<const std::string_view> known)
    {
        if (!node.IsMap())
            fail(node.Mark(), path, "expected a mapping of settings (key: value), got " + kind_of(node));
        section out;
        // Iteration yields (key, value) pairs by value: copies, not references,
        // as the iterator's proxy dies at the end of each expression.
        for (auto pair : node) {
            YAML::Node key = pair.first;
            if (!key.IsScalar())
                fail(key.Mark(), path, "setting names must be plain words, got " + kind_of(key));
            const std::string& name = key.Scalar();
            std::string full = path.empty() ? name : path + "." + name;
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                std::string msg = "unknown key " + quoted(full) + " (known keys: " + join(known) + ")";
                auto closest = std::min_element(known.begin(), known.end(), [&](auto a, auto b) {
                    return edit_distance(name, a) < edit_distance(name, b);
                });
                if (closest != known.end() && edit_distance(name, *closest) <= 2)
                    msg += "; did you mean " + quoted(*closest) + "?";
                fail(key.Mark(), "", msg);
            }
            auto [pos, inserted] = out.try_emplace(name, entry{key, pair.second});
            if (!inserted)
                fail(key.Mark(), full,
                     "given twice (first at line " + std::to_string(pos->second.key.Mark().line + 1) + ")");
        }
        return out;
    }

    // The value of `name`, or nullptr when absent or empty ("name:" or "name: ~").
    static const YAML::Node* find(const section& s, std::string_view name)
    {
        auto it = s.find(name);
        if (it == s.end() || it->second.value.IsNull())
            return nullptr;
        return &it->second.value;
    }

    std::string scalar(const YAML::Node& v, const std::string& key, std::string_view expected)
    {
        if (!v.IsScalar())
            fail(v.Mark(), key, "expected " + std::string(expected) + ", got " + kind_of(v));
        marks_[key] = v.Mark();
        return v.Scalar();
    }

    template <class T>
    T parse(const YAML::Node& v, const std::string& key, value_result<T> (*parse_fn)(std::string_view),
            std::string_view expected)
    {
        auto text = scalar(v, key, expected);
        auto r = parse_fn(text);
        if (!r)
            fail(v.Mark(), key, r.error().message);
        return *r;
    }

    void read_duration(const section& s, const std::string& path, std::string_view name, duration& out,
                       range<duration> allowed)
    {
        auto* v = find(s, name);
        if (!v)
            return;
        auto key = path + "." + std::string(name);
        auto d = parse(*v, key, parse_duration, "a duration such as 10s");
        if (d < allowed.min || d > allowed.max)
            fail(v->Mark(), key,
                 "must be from " + format_duration(allowed.min) + " to " + format_duration(allowed.max) +
                     ", got " + quoted(v->Scalar()));
        out = d;
    }

    template <class T>
    void read_size(const section& s, const std::string& path, std::string_view name, T& out,
                   range<std::uint64_t> allowed)
    {
        auto* v = find(s, name);
        if (!v)
            return;
        auto key = path + "." + std::string(name);
        auto n = parse(*v, key, parse_size, "a size such as 64KiB");
        if (n < allowed.min || n > allowed.max)
            fail(v->Mark(), key,
                 "must be from " + format_size(allowed.min) + " to " + format_size(allowed.max) +
                     " bytes, got " + quoted(v->Scalar()));
        out = static_cast<T>(n);
    }

    template <class T>
    void read_count(const section& s, const std::string& path, std::string_view name, T& out,
                    range<std::uint64_t> allowed)
    {
        auto* v = find(s, name);
        if (!v)
            return;
        auto key = path + "." + std::string(name);
        auto n = parse(*v, key, parse_count, "a whole number");
        if (n < allowed.min || n > allowed.max)
            fail(v->Mark(), key,
                 "must be from " + std::to_string(allowed.min) + " to " + std::to_string(allowed.max) +
                     ", got " + quoted(v->Scalar()));
        out = static_cast<T>(n);
    }

    // A number in [min, max], or in (min, max] when `min_exclusive`.
    void read_fraction(const section& s, const std::string& path, std::string_view name, double& out,
                       range<double> allowed, bool min_exclusive)
    {
        auto* v = find(s, name);
        if (!v)
            return;
        auto key = path + "." + std::string(name);
        auto d = parse(*v, key, parse_fraction, "a number such as 0.2");
        bool low = min_exclusive ? d <= allowed.min : d < allowed.min;
        if (low || d > allowed.max)
            fail(v->Mark(), key,
                 (min_exclusive ? "must be greater than " + format_number(allowed.min) + " and at most "
                                : "must be from " + format_number(allowed.min) + " to ") +
                     format_number(allowed.max) + ", got " + quoted(v->Scalar()));
        out = d;
    }

    void read_top_level(const YAML::Node& root)
    {
        if (!root.IsMap())
            fail(root.Mark(), "",
                 "expected a mapping of settings (key: value) at the top level, got " + kind_of(root));
        auto top = open_section(root, "", top_level_keys);
        if (auto* v = find(top, "listen"))
            cfg_.downstream.listen = parse(*v, "listen", parse_listen_address, "HOST:PORT");
        if (auto* v = find(top, "credentials"))
            read_credentials(*v);
        if (auto* v = find(top, "token"))
            read_token(*v);
        if (auto* v = find(top, "upstreams"))
            read_upstreams(*v);
        if (auto* v = find(top, "upstream"))
            read_upstream_defaults(*v);
        if (auto* v = find(top, "downstream"))
            read_downstream(*v);
        if (auto* v = find(top, "tls"))
            read_tls(*v);
        if (auto* v = find(top, "admin"))
            read_admin(*v);
        if (auto* v = find(top, "log"))
            read_log(*v);
    }

    void read_admin(const YAML::Node& node)
    {
        auto s = open_section(node, "admin", admin_keys);
        if (auto* v = find(s, "listen"))
            cfg_.admin.listen = parse(*v, "admin.listen", parse_listen_address, "HOST:PORT");
    }

    void read_log(const YAML::Node& node)
    {
        auto s = open_section(node, "log", log_keys);
        if (auto* v = find(s, "level"))
            cfg_.log.level = parse(*v, "log.level", parse_log_level, "debug, info, warn or error");
        if (auto* v = find(s, "access"))
            cfg_.log.access = parse(*v, "log.access", parse_bool, "true or false");
    }

    void read_credentials(const YAML::Node& node)
    {
        auto s = open_section(node, "credentials", credentials_keys);
        // Only the node type is checked here: the values are secrets and must
        // not reach a message.
        auto read = [&](std::string_view name, std::optional<std::string>& out, YAML::Mark* mark) {
            auto* v = find(s, name);
            if (!v)
                return;
            auto text = scalar(*v, "credentials." + std::string(name), "a string");
            if (mark)
                *mark = v->Mark();
            if (!text.empty())
                out = std::move(text);
        };
        read("client_id", id_input_.value, nullptr);
        read("client_secret", secret_input_.value, nullptr);
        read("client_id_file", id_input_.file, &id_file_mark_);
        read("client_secret_file", secret_input_.file, &secret_file_mark_);
        read_duration(s, "credentials", "watch_interval", cfg_.credentials.watch_interval, {ms(0), hours(1)});
    }

    void read_token(const YAML::Node& node)
    {
        const std::string path = "token";
        auto s = open_section(node, path, token_keys);
        auto& t = cfg_.token;
        if (auto* v = find(s, "url")) {
            t.parsed = parse(*v, "token.url", parse_https_url, "an https URL");
            t.url = v->Scalar();
        }
        if (auto* v = find(s, "connect"))
            t.connect = parse(*v, "token.connect", parse_endpoint, "HOST:PORT");
        read_duration(s, path, "fetch_timeout", t.fetch_timeout, {ms(100), minutes(5)});
        read_duration(s, path, "wait_timeout", t.wait_timeout, {ms(0), minutes(5)});
        read_fraction(s, path, "refresh_before", t.refresh_before, {0.0, 0.9}, true);
        read_fraction(s, path, "refresh_jitter", t.refresh_jitter, {0.0, 0.5}, false);
        read_duration(s, path, "default_lifetime", t.default_lifetime, {seconds(10), hours(24)});
        read_duration(s, path, "max_lifetime", t.max_lifetime, {seconds(10), hours(7 * 24)});
        read_duration(s, path, "backoff_initial", t.backoff_initial, {ms(10), minutes(5)});
        read_duration(s, path, "backoff_max", t.backoff_max, {ms(10), hours(1)});
    }

    void read_upstreams(const YAML::Node& node)
    {
        if (!node.IsSequence())
            fail(node.Mark(), "upstreams",
                 "expected a list of upstreams (- name: ..., url: ...), got " + kind_of(node));
        if (node.size() == 0)
            fail(node.Mark(), "upstreams",
                 "must list at least one upstream; leave the key out to use the defaults (api and instant)");
        cfg_.upstreams.clear();
        std::size_t index = 0;
        for (auto item : node)
            cfg_.upstreams.push_back(read_upstream_entry(item, "upstreams[" + std::to_string(index++) + "]"));
    }

    upstream_config read_upstream_entry(const YAML::Node& node, const std::string& path)
    {
        auto s = open_section(node, path, upstream_entry_keys);
        upstream_config u;

        auto* name = find(s, "name");
        if (!name)
            fail(node.Mark(), path, "missing key 'name' (each upstream needs a name and a url)");
        u.name = scalar(*name, path + ".name", "a name such as api");
        if (u.name.empty() || !std::all_of(u.name.begin(), u.name.end(), is_name_char))
            fail(name->Mark(), path + ".name",
                 "must be lower-case letters, digits, '-' or '_', got " + quoted(u.name));

        auto* url = find(s, "url");
        if (!url)
            fail(node.Mark(), path, "missing key 'url' (each upstream needs a name and a url)");
        u.parsed = parse(*url, path + ".url", parse_https_url, "an https URL");
        u.url = url->Scalar();

        if (auto* v = find(s, "prefix")) {
            u.prefix = scalar(*v, path + ".prefix", "a path prefix such as /api");
            check_prefix(u.prefix, v->Mark(), path + ".prefix");
        }
        if (auto* v = find(s, "connect"))
            u.connect = parse(*v, path + ".connect", parse_endpoint, "HOST:PORT");
        return u;
    }

    void check_prefix(const std::string& prefix, const YAML::Mark& mark, const std::string& key) const
    {
        if (prefix.empty())
            return;  // routed by Host only
        if (prefix.front() != '/')
            fail(mark, key, "must start with '/', such as /api, got " + quoted(prefix));
        if (prefix.back() == '/')
            fail(mark, key, "must not end with '/', such as /api, got " + quoted(prefix));
        if (!std::all_of(prefix.begin(), prefix.end(), is_prefix_char))
            fail(mark, key,
                 "may hold only letters, digits, '/' and -._~!$&'()*+,;=:@ (no spaces or "
                 "percent-encoding), got " + quoted(prefix));
        std::size_t start = 1;
        while (start <= prefix.size()) {
            auto slash = std::min(prefix.find('/', start), prefix.size());
            auto seg = std::string_view(prefix).substr(start, slash - start);
            if (seg.empty() || seg == "." || seg == "..")
                fail(mark, key, "must not have empty, '.' or '..' segments, got " + quoted(prefix));
            start = slash + 1;
        }
        if (under(prefix, reserved_prefix))
            fail(mark, key, "'/_litmus' is reserved for the proxy's own endpoints, got " + quoted(prefix));
    }

    void read_upstream_defaults(const YAML::Node& node)
    {
        const std::string path = "upstream";
        auto s = open_section(node, path, upstream_keys);
        auto& u = cfg_.upstream;
        read_duration(s, path, "connect_timeout", u.connect_timeout, timeout_range);
        read_duration(s, path, "response_timeout", u.response_timeout, timeout_range);
        read_duration(s, path, "write_timeout", u.write_timeout, timeout_range);
        read_duration(s, path, "response_deadline", u.response_deadline, {ms(1), hours(24)});
        read_duration(s, path, "idle_timeout", u.idle_timeout, timeout_range);
        read_count(s, path, "max_idle", u.max_idle, {0, 10'000});
    }

    void read_downstream(const YAML::Node& node)
    {
        const std::string path = "downstream";
        auto s = open_section(node, path, downstream_keys);
        auto& d = cfg_.downstream;
        read_size(s, path, "header_limit", d.header_limit, {kib, mib});
        read_size(s, path, "body_limit", d.body_limit, {kib, 16 * gib});
        read_size(s, path, "replay_limit", d.replay_limit, {0, gib});
        read_duration(s, path, "header_timeout", d.header_timeout, timeout_range);
        read_duration(s, path, "idle_timeout", d.idle_timeout, timeout_range);
        read_duration(s, path, "io_timeout", d.io_timeout, timeout_range);
        read_size(s, path, "target_limit", d.target_limit, {256, mib});
        read_list(s, path, "allowed_hosts", d.allowed_hosts, parse_host_name, "a host name such as proxy.example");
        read_list(s, path, "allowed_origins", d.allowed_origins, parse_origin,
                  "an origin such as https://app.example");
        read_duration(s, path, "drain_timeout", d.drain_timeout, {ms(0), hours(1)});
    }

    // A list of scalars, each parsed by `parse_fn`; a single scalar is
    // refused rather than taken as a one-element list, so a typo'd YAML list
    // is not silently half-read.
    void read_list(const section& s, const std::string& path, std::string_view name,
                   std::vector<std::string>& out, value_result<std::string> (*parse_fn)(std::string_view),
                   std::string_view expected)
    {
        auto* v = find(s, name);
        if (!v)
            return;
        auto key = path + "." + std::string(name);
        if (!v->IsSequence())
            fail(v->Mark(), key, "expected a list of " + std::string(expected) + ", got " + kind_of(*v));
        out.clear();
        std::size_t index = 0;
        for (auto item : *v)
            out.push_back(parse(item, key + "[" + std::to_string(index++) + "]", parse_fn, expected));
    }

    void read_tls(const YAML::Node& node)
    {
        auto s = open_section(node, "tls", tls_keys);
        if (auto* v = find(s, "ca_file"))
            cfg_.tls.ca_file = scalar(*v, "tls.ca_file", "a file path");
    }

    // replay_limit <= body_limit. An unset replay_limit follows a smaller
    // body_limit down instead of failing.
    void check_limits()
    {
        auto& d = cfg_.downstream;
        if (d.replay_limit <= d.body_limit)
            return;
        if (!marks_.contains("downstream.replay_limit")) {
            d.replay_limit = d.body_limit;
            return;
        }
        fail(mark_of("downstream.replay_limit"), "downstream.replay_limit",
             "must not exceed downstream.body_limit (" + format_size(d.body_limit) + "), got " +
                 format_size(d.replay_limit));
    }

    // backoff_initial <= backoff_max. An unset backoff_initial follows a
    // smaller backoff_max down instead of failing.
    void check_backoff()
    {
        auto& t = cfg_.token;
        if (t.backoff_initial <= t.backoff_max)
            return;
        if (!marks_.contains("token.backoff_initial")) {
            t.backoff_initial = t.backoff_max;
            return;
        }
        fail(mark_of("token.backoff_initial"), "token.backoff_initial",
             "must not exceed token.backoff_max (" + format_duration(t.backoff_max) + "), got " +
                 format_duration(t.backoff_initial));
    }

    // Names, prefixes and hosts each identify one upstream: in metrics, in
    // path routing and in Host routing.
    void check_upstreams() const
    {
        const auto& ups = cfg_.upstreams;
        for (std::size_t i = 0; i < ups.size(); ++i) {
            auto path = "upstreams[" + std::to_string(i) + "]";
            for (std::size_t j = 0; j < i; ++j) {
                auto other = "upstreams[" + std::to_string(j) + "]";
                if (ups[i].name == ups[j].name)
                    fail(mark_of(path + ".name"), path + ".name",
                         "duplicate name " + quoted(ups[i].name) + " (also used by " + other + ")");
                const auto& a = ups[i].prefix;
                const auto& b = ups[j].prefix;
                if (!a.empty() && a == b)
                    fail(mark_of(path + ".prefix"), path + ".prefix",
                         "duplicate prefix " + quoted(a) + " (also used by " + other + ")");
                if (!a.empty() && !b.empty() && (under(a, b) || under(b, a)))
                    fail(mark_of(path + ".prefix"), path + ".prefix",
                         "prefix " + quoted(a) + " overlaps " + quoted(b) + " of " + other +
                             "; a path must match one upstream only");
                if (ups[i].parsed.host == ups[j].parsed.host)
                    fail(mark_of(path + ".url"), path + ".url",
                         "host " + quoted(ups[i].parsed.host) + " is also used by " + other +
                             " (requests are routed by Host, so each upstream needs its own host)");
            }
        }
    }

    void apply_environment()
    {
        if (auto v = env("LITMUS_PROXY_LISTEN")) {
            auto ep = parse_listen_address(*v);
            if (!ep)
                fail_env("LITMUS_PROXY_LISTEN", ep.error().message);
            cfg_.downstream.listen = *ep;
        }
        if (auto v = env("LITMUS_PROXY_ADMIN_LISTEN")) {
            auto ep = parse_listen_address(*v);
            if (!ep)
                fail_env("LITMUS_PROXY_ADMIN_LISTEN", ep.error().message);
            cfg_.admin.listen = *ep;
        }
        if (auto v = env("LITMUS_PROXY_LOG_LEVEL")) {
            auto l = parse_log_level(*v);
            if (!l)
                fail_env("LITMUS_PROXY_LOG_LEVEL", l.error().message);
            cfg_.log.level = *l;
        }
        if (auto v = env("LITMUS_TOKEN_URL")) {
            auto url = parse_https_url(*v);
            if (!url)
                fail_env("LITMUS_TOKEN_URL", url.error().message);
            cfg_.token.url = *v;
            cfg_.token.parsed = *url;
        }
        if (auto v = env("LITMUS_TLS_CA_FILE")) {
            cfg_.tls.ca_file = *v;
            ca_file_from_env_ = true;
        }
    }

    // Checked here rather than left to the TLS set-up so that a typo in the
    // path is reported with its line.
    void check_ca_file() const
    {
        const auto& path = cfg_.tls.ca_file;
        if (path.empty())
            return;
        int err = check_readable(path);
        if (err == 0)
            return;
        auto what = "cannot read " + quoted(path) + ": " + error_text(err);
        if (ca_file_from_env_)
            fail_env("LITMUS_TLS_CA_FILE", what);
        fail(mark_of("tls.ca_file"), "tls.ca_file", what);
    }

    // Fills `value` and `file` (the path the value came from, for re-reading
    // on rotation; "" when the value was given directly). False when no
    // source gives this credential.
    bool resolve(const credential_names& names, const credential_setting& in, const YAML::Mark& file_mark,
                 std::string& value, std::string& file) const
    {
        auto r = resolve_credential(names, in, env_);
        if (!r) {
            if (r.error().in_environment)
                fail_env(r.error().name, r.error().message);
            fail(file_mark, r.error().name, r.error().message);
        }
        if (!*r)
            return false;
        value = std::move((*r)->value);
        file = std::move((*r)->file);
        return true;
    }

    void resolve_credentials()
    {
        auto& c = cfg_.credentials;
        bool have_id = resolve(client_id_names, id_input_, id_file_mark_, c.client_id, c.client_id_file);
        bool have_secret =
            resolve(client_secret_names, secret_input_, secret_file_mark_, c.client_secret, c.client_secret_file);
        if (have_id && have_secret)
            return;
        std::string missing = !have_id && !have_secret ? "client id and client secret"
                              : !have_id                ? "client id"
                                                        : "client secret";
        throw config_error("missing " + missing + ": " + std::string(missing_credentials_help));
    }

    std::string source_;
    const env_lookup& env_;
    proxy_config cfg_;
    std::map<std::string, YAML::Mark> marks_;  ///< where each scalar given in the file is
    credential_setting id_input_;
    credential_setting secret_input_;
    YAML::Mark id_file_mark_ = YAML::Mark::null_mark();
    YAML::Mark secret_file_mark_ = YAML::Mark::null_mark();
    bool ca_file_from_env_ = false;
};

// Runs `load` and turns anything it throws into config_error.
template <class Load>
proxy_config guarded(const std::string& source, Load load)
{
    try {
        return load();
    } catch (const config_error&) {
        throw;
    } catch (const YAML::Exception& e) {
        throw config_error(position(source, e.mark) + ": " + e.msg);
    } catch (const std::exception& e) {
        throw config_error(source + ": cannot load the configuration: " + e.what());
    }
}

/// What the document structure of a YAML text is, found without building nodes.
struct document_shape {
    bool stuck = false;  ///< the parser stopped advancing (see scan_documents)
    YAML::Mark stuck_at = YAML::Mark::null_mark();
    std::optional<YAML::Mark> extra_document;  ///< where a second non-empty document starts
};

/// Walks the documents of `text` with yaml-cpp's event parser. Not
/// YAML::LoadAll: yaml-cpp 0.7 (Debian 12) never returns from it, allocating
/// all the while, on a text that starts with a stray ',' (the parser reports
/// an empty document without consuming the token, again and again;
/// jbeder/yaml-cpp#1040). Two documents starting at the same place mean the
/// parser is stuck, and the config is refused instead of hanging the start.
/// A trailing "---" gives an empty second document, which is fine.
document_shape scan_documents(const std::string& text)
{
    struct handler : YAML::EventHandler {
        YAML::Mark start = YAML::Mark::null_mark();
        std::optional<YAML::Mark> content;  ///< the document's first node, if any
        void OnDocumentStart(const YAML::Mark& mark) override
        {
            start = mark;
            content.reset();
        }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { saw(mark); }
        void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override
        {
            saw(mark);
        }
        void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                             YAML::EmitterStyle::value) override
        {
            saw(mark);
        }
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override
        {
            saw(mark);
        }
        void OnMapEnd() override {}
        void saw(const YAML::Mark& mark)
        {
            if (!content)
                content = mark;
        }
    };
    document_shape shape;
    std::istringstream in(text);
    YAML::Parser parser(in);
    handler h;
    std::size_t documents = 0;
    int last_start = -1;
    try {
        while (parser.HandleNextDocument(h)) {
            // A config has one document; thousands mean a parser going round.
            if ((documents > 0 && h.start.pos == last_start) || documents > 1000) {
                shape.stuck = true;
                shape.stuck_at = h.start;
                return shape;
            }
            if (documents > 0 && h.content && !shape.extra_document)
                shape.extra_document = h.content;
            last_start = h.start.pos;
            ++documents;
        }
    } catch (const YAML::Exception&) {
        // Reported with its position by YAML::Load.
    }
    return shape;
}

}  // namespace

std::optional<std::string> env_value_of(const env_lookup& env, std::string_view name)
{
    if (!env)
        return std::nullopt;
    auto v = env(name);
    if (v && v->empty())
        return std::nullopt;
    return v;
}

env_lookup process_env()
{
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr)
            return std::nullopt;
        return std::string(v);
    };
}

std::vector<upstream_config> default_upstreams()
{
    auto make = [](std::string name, std::string url, std::string prefix) {
        upstream_config u;
        u.name = std::move(name);
        u.parsed = parse_https_url(url).value();
        u.url = std::move(url);
        u.prefix = std::move(prefix);
        return u;
    };
    std::vector<upstream_config> out;
    out.push_back(make("api", "https://api.litmus.com", "/api"));
    out.push_back(make("instant", "https://instant-api.litmus.com", "/instant"));
    return out;
}

proxy_config load_config_from_string(std::string_view yaml, std::string_view source_name,
                                     const env_lookup& env)
{
    std::string source(source_name);
    return guarded(source, [&] {
        std::string text(yaml);
        auto shape = scan_documents(text);
        if (shape.stuck)
            throw config_error(position(source, shape.stuck_at) +
                               ": invalid YAML: a document cannot start here (a stray ',' or the like)");
        if (shape.extra_document)
            throw config_error(position(source, *shape.extra_document) +
                               ": more than one YAML document ('---'); put all settings in one");
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::Exception& e) {
            throw config_error(position(source, e.mark) + ": invalid YAML: " + e.msg);
        }
        return loader(source, env).load(root);
    });
}

proxy_config load_config(const std::optional<std::string>& path, const env_lookup& env)
{
    if (!path)
        return guarded("<defaults>", [&] { return loader("<defaults>", env).load(YAML::Node()); });
    auto content = read_whole_file(*path, max_config_file_size);
    if (content.error != 0)
        throw config_error("cannot read config file " + quoted(*path) + ": " + error_text(content.error));
    if (content.too_large)
        throw config_error("config file " + quoted(*path) + " is larger than " +
                           format_size(max_config_file_size));
    return load_config_from_string(content.data, *path, env);
}

}  // namespace litmus::config

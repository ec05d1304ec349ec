#include "proxy/config/config_loader.hpp"

#include "proxy/config/config_schema.hpp"
#include "proxy/config/config_values.hpp"
#include "proxy/config/credentials.hpp"
#include "proxy/config/file_content.hpp"
#include "proxy/config/users_values.hpp"
#include "proxy/config/yaml_reader.hpp"

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

#include <sys/stat.h>

namespace litmus::config {

namespace {

constexpr std::size_t max_config_file_size = 4 * 1024 * 1024;

constexpr std::string_view missing_credentials_help =
    "no Litmus client credentials: set LITMUS_CLIENT_ID and LITMUS_CLIENT_SECRET "
    "(or LITMUS_CLIENT_ID_FILE / LITMUS_CLIENT_SECRET_FILE), or credentials.client_id / "
    "credentials.client_id_file and credentials.client_secret / credentials.client_secret_file "
    "in the config file, or under systemd LoadCredential=client_id:PATH and client_secret:PATH";

/// One load: reads the YAML tree into a proxy_config through the schema
/// (config_schema.cpp: each key known, each value checked on its own), checks what spans several keys, applies the environment
/// overrides, checks the CA file and resolves the credentials. Every error is
/// thrown as config_error with the position of the offending node. Values of
/// the credentials are never put into a message.
class loader {
public:
    loader(std::string source, const env_lookup& env, credentials_use credentials)
        : reader_(source), env_(env), credentials_(credentials)
    {
        cfg_.source = std::move(source);
        cfg_.token.parsed = parse_https_url(cfg_.token.url).value();
        cfg_.upstreams = default_upstreams();
    }

    proxy_config load(const YAML::Node& root)
    {
        if (root.IsDefined() && !root.IsNull())
            read_config_tree(reader_, root, cfg_);
        check_limits();
        check_backoff();
        check_upstreams();
        apply_environment();
        check_ca_file();
        if (credentials_ == credentials_use::required)
            resolve_credentials();
        if (cfg_.users)
            resolve_users(root);
        return std::move(cfg_);
    }

private:
    [[noreturn]] void fail(const YAML::Mark& mark, std::string_view key, std::string_view what) const
    {
        reader_.fail(mark, key, what);
    }

    [[noreturn]] static void fail_env(std::string_view variable, std::string_view what)
    {
        throw config_error("environment " + std::string(variable) + ": " + std::string(what));
    }

    YAML::Mark mark_of(const std::string& key) const { return reader_.mark_of(key); }

    std::optional<std::string> env(std::string_view name) const { return env_value_of(env_, name); }

    // replay_limit <= body_limit. An unset replay_limit follows a smaller
    // body_limit down instead of failing.
    void check_limits()
    {
        auto& d = cfg_.downstream;
        if (d.replay_limit <= d.body_limit)
            return;
        if (!reader_.given("downstream.replay_limit")) {
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
        if (!reader_.given("token.backoff_initial")) {
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
                if (!a.empty() && !b.empty() && (path_under(a, b) || path_under(b, a)))
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
            auto at = parse_proxy_listen(*v);
            if (!at)
                fail_env("LITMUS_PROXY_LISTEN", at.error().message);
            cfg_.downstream.listen = at->tcp;
            cfg_.downstream.unix_path = at->unix_path;
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

    // The credential `value` / `file` (as the file gave them; "" = not given)
    // resolved through every source: on return `value` holds the credential
    // and `file` the path it was read from ("" when given directly). False
    // when no source gives it.
    bool resolve(const credential_names& names, std::string& value, std::string& file) const
    {
        credential_setting in;
        if (!value.empty())
            in.value = value;
        if (!file.empty())
            in.file = file;
        auto r = resolve_credential(names, in, env_);
        if (!r) {
            if (r.error().in_environment)
                fail_env(r.error().name, r.error().message);
            fail(mark_of(r.error().name), r.error().name, r.error().message);
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
        bool have_id = resolve(client_id_names, c.client_id, c.client_id_file);
        bool have_secret = resolve(client_secret_names, c.client_secret, c.client_secret_file);
        if (have_id && have_secret)
            return;
        std::string missing = !have_id && !have_secret ? "client id and client secret"
                              : !have_id                ? "client id"
                                                        : "client secret";
        throw config_error("missing " + missing + ": " + std::string(missing_credentials_help));
    }

    // The key from users.key_file, else LITMUS_PROXY_USERS_KEY; the old key
    // from users.old_key_file. Without a key the feature cannot keep tokens,
    // so the start stops here rather than at the first authorization.
    void resolve_users(const YAML::Node& root)
    {
        auto& u = *cfg_.users;
        if (!reader_.given("users.authorize_url"))
            u.authorize_parsed = parse_https_url(u.authorize_url).value();
        if (credentials_ != credentials_use::required)
            return;
        if (!u.key_file.empty())
            u.key = key_from_file(u.key_file, "users.key_file");
        else if (auto v = env(users_key_env)) {
            auto key = parse_store_key(*v);
            if (!key)
                fail_env(users_key_env, key.error().message);
            u.key = *key;
        } else {
            fail(root["users"].Mark(), "users",
                 "no key to encrypt the users' tokens: set users.key_file or " + std::string(users_key_env) +
                     " to 32 random bytes as base64 or hex; " + std::string(store_key_help));
        }
        if (!u.old_key_file.empty()) {
            u.old_key = key_from_file(u.old_key_file, "users.old_key_file");
            if (*u.old_key == *u.key)
                fail(mark_of("users.old_key_file"), "users.old_key_file",
                     "holds the same key as the current key; it must be the key used before the rotation");
        }
    }

    store_key key_from_file(const std::string& path, const std::string& key) const
    {
        auto text = read_credential_file(path);
        if (!text)
            fail(mark_of(key), key, text.error().message);
        auto parsed = parse_store_key(*text);
        if (!parsed)
            fail(mark_of(key), key, quoted(path) + ": " + parsed.error().message);
        return *parsed;
    }

    yaml_reader reader_;
    const env_lookup& env_;
    credentials_use credentials_;
    proxy_config cfg_;
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
                                     const env_lookup& env, credentials_use credentials)
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
        return loader(source, env, credentials).load(root);
    });
}

std::optional<std::string> config_path_to_load(const std::optional<std::string>& given, const env_lookup& env)
{
    if (given)
        return given;
    auto path = env_value_of(env, config_path_env).value_or(std::string(default_config_path));
    struct ::stat st{};
    if (::stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
        return std::nullopt;
    return path;
}

proxy_config load_config(const std::optional<std::string>& path, const env_lookup& env,
                         credentials_use credentials)
{
    if (!path)
        return guarded("<defaults>", [&] { return loader("<defaults>", env, credentials).load(YAML::Node()); });
    auto content = read_whole_file(*path, max_config_file_size);
    if (content.error != 0)
        throw config_error("cannot read config file " + quoted(*path) + ": " + error_text(content.error));
    if (content.too_large)
        throw config_error("config file " + quoted(*path) + " is larger than " +
                           format_size(max_config_file_size));
    return load_config_from_string(content.data, *path, env, credentials);
}

}  // namespace litmus::config

#include "tests/support/fake_litmus_state.hpp"

#include "tests/support/gzip_encode.hpp"
#include "tests/support/litmus_answers.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace litmus::fake {

namespace {

// Accept-Encoding names gzip with a non-zero weight (RFC 9110 §12.5.3);
// good enough for a fake that only ever offers gzip.
bool accepts_gzip(std::string_view accept_encoding)
{
    std::string lower(accept_encoding);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto pos = lower.find("gzip");
    if (pos == std::string::npos)
        return false;
    auto rest = std::string_view(lower).substr(pos + 4);
    auto end = rest.find(',');
    auto params = rest.substr(0, end);
    return params.find("q=0") == std::string_view::npos || params.find("q=0.") != std::string_view::npos;
}

// How the normal answer goes out in the modes that still compute it.
fake_reply::action action_of(endpoint_mode m)
{
    switch (m) {
    case endpoint_mode::hold: return fake_reply::action::hold;
    case endpoint_mode::drip: return fake_reply::action::drip;
    default: return fake_reply::action::respond;
    }
}

constexpr std::string_view token_host = "litmus.com";
constexpr std::string_view api_host = "api.litmus.com";
constexpr std::string_view instant_host = "instant-api.litmus.com";
constexpr std::size_t max_bench_bytes = 16u << 20;

enum class host_kind { token, api, instant, other };

// The Host header names the origin; a port suffix (":443" or the fake's
// ephemeral port) and a trailing root dot do not change which one.
std::string host_name_of(std::string_view host)
{
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos &&
        colon + 1 < host.size() &&
        std::all_of(host.begin() + static_cast<std::ptrdiff_t>(colon) + 1, host.end(),
                    [](char c) { return c >= '0' && c <= '9'; }))
        host = host.substr(0, colon);
    if (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    std::string out(host);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

host_kind kind_of(std::string_view name)
{
    if (name == token_host)
        return host_kind::token;
    if (name == api_host)
        return host_kind::api;
    if (name == instant_host)
        return host_kind::instant;
    return host_kind::other;
}

std::string random_hex(std::size_t bytes)
{
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes * 2);
    for (unsigned char b : buf) {
        out += digits[b >> 4];
        out += digits[b & 0xf];
    }
    return out;
}

// Appends `value` as one line to the file named by LITMUS_FAKE_ISSUED_FILE,
// when set: the no-secrets check (tests/integration/no_secrets_in_logs.sh)
// greps the proxy's logs for every line of it. O_APPEND and a single write
// keep lines whole when several fakes, in one process or several, share the
// file.
void record_issued(std::string_view value)
{
    const char* path = std::getenv("LITMUS_FAKE_ISSUED_FILE");
    if (!path || !*path || value.empty())
        return;
    int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot open LITMUS_FAKE_ISSUED_FILE " + std::string(path));
    std::string line = std::string(value) + "\n";
    auto n = ::write(fd, line.data(), line.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("cannot write LITMUS_FAKE_ISSUED_FILE " + std::string(path));
}

http::response<http::string_body> json_response(http::status status, const json::value& body)
{
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = json::serialize(body);
    return res;
}

// RFC 6749 §5.2 error shape for the token endpoint.
http::response<http::string_body> oauth_error(http::status status, std::string_view error,
                                              std::string_view description)
{
    auto res = json_response(status, json::object{{"error", error}, {"error_description", description}});
    res.set(http::field::cache_control, "no-store");
    return res;
}

http::response<http::string_body> api_error(http::status status, std::string_view error,
                                            std::string_view message)
{
    return json_response(status, json::object{{"error", error}, {"message", message}});
}

http::response<http::string_body> misdirected(std::string_view host, std::string_view path)
{
    return api_error(http::status::misdirected_request, "misdirected_request",
                     "host '" + std::string(host) + "' does not serve " + std::string(path));
}

http::response<http::string_body> method_not_allowed(std::string_view allow)
{
    auto res = api_error(http::status::method_not_allowed, "method_not_allowed",
                         "allowed: " + std::string(allow));
    res.set(http::field::allow, allow);
    return res;
}

bool is_json_media_type(std::string_view content_type)
{
    auto semi = content_type.find(';');
    std::string_view type = content_type.substr(0, semi);
    while (!type.empty() && type.back() == ' ')
        type.remove_suffix(1);
    return boost::algorithm::iequals(type, "application/json");
}

std::string string_field(const json::object& obj, std::string_view key)
{
    auto it = obj.find(key);
    if (it == obj.end() || !it->value().is_string())
        return {};
    return std::string(it->value().get_string());
}

// The first name /v2/users/current reports: a user's own name for tokens
// from an authorization code ("good-alice" -> "Alice"), "Test" otherwise.
std::string first_name_of(std::string_view owner)
{
    constexpr std::string_view user_prefix = "user:";
    if (owner.starts_with(user_prefix)) {
        std::string_view local = owner.substr(user_prefix.size());
        bool plain = !local.empty() && std::all_of(local.begin(), local.end(), [](char c) {
            return std::isalpha(static_cast<unsigned char>(c));
        });
        if (plain) {
            std::string name(local);
            name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
            return name;
        }
    }
    return "Test";
}

// API paths that only api.litmus.com serves.
bool is_api_only_path(std::string_view path)
{
    return path == "/v3/ping/authenticated" || path == "/v2/users/current" || path == "/v2/user_settings/clients" ||
           path == "/v2/user_settings/clients/configuration_url";
}

}  // namespace

fake_litmus_state::fake_litmus_state(const fake_options& opts)
    : client_id_(opts.client_id),
      client_secret_(opts.client_secret),
      expires_in_(opts.expires_in),
      issue_refresh_tokens_(opts.issue_refresh_tokens),
      rotate_refresh_tokens_(opts.rotate_refresh_tokens),
      keep_records_(opts.keep_records)
{
}

std::int64_t fake_litmus_state::user_id_for(std::string_view owner)
{
    // FNV-1a: stable across runs and platforms, so a test can predict it.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : owner) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return 1000 + static_cast<std::int64_t>(h % 9'000'000);
}

fake_reply fake_litmus_state::handle(const recorded_request& req)
{
    std::lock_guard lock(mutex_);
    const std::string path = req.path();
    const bool is_token = path == "/oauth/token";
    ++total_count_;
    ++(is_token ? token_count_ : api_count_);
    if (keep_records_)
        records_.push_back(req);
    recorded_.notify_all();

    const std::string name = host_name_of(req.host);
    if (is_token) {
        if (kind_of(name) != host_kind::token)
            return {fake_reply::action::respond, misdirected(name, path)};
        if (token_mode_ != endpoint_mode::normal && token_mode_ != endpoint_mode::hold &&
            token_mode_ != endpoint_mode::drip)
            return apply_mode(token_mode_, raw_token_);
        return {action_of(token_mode_), token_endpoint(req)};
    }
    return api_endpoint(req, name, path);
}

fake_reply fake_litmus_state::apply_mode(endpoint_mode m, const raw_response& raw) const
{
    switch (m) {
    case endpoint_mode::fail_500:
        return {fake_reply::action::respond,
                api_error(http::status::internal_server_error, "server_error", "injected failure")};
    case endpoint_mode::close:
        return {fake_reply::action::close, {}};
    case endpoint_mode::reset:
        return {fake_reply::action::reset, {}};
    case endpoint_mode::stall:
        return {fake_reply::action::stall, {}};
    case endpoint_mode::raw: {
        http::response<http::string_body> res;
        res.version(11);
        res.result(raw.status);
        if (!raw.content_type.empty())
            res.set(http::field::content_type, raw.content_type);
        res.body() = raw.body;
        return {fake_reply::action::respond, std::move(res)};
    }
    case endpoint_mode::normal:
    case endpoint_mode::hold:
    case endpoint_mode::drip:
        break;
    }
    throw std::logic_error("apply_mode(normal|hold|drip)");
}

http::response<http::string_body> fake_litmus_state::token_endpoint(const recorded_request& req)
{
    if (req.method != "POST")
        return method_not_allowed("POST");
    if (!is_json_media_type(req.header("content-type")))
        return oauth_error(http::status::bad_request, "invalid_request",
                           "the token endpoint takes a JSON body (Content-Type: application/json)");
    error_code ec;
    json::value parsed = json::parse(req.body, ec);
    if (ec || !parsed.is_object())
        return oauth_error(http::status::bad_request, "invalid_request", "the body is not a JSON object");
    const json::object& body = parsed.get_object();

    const std::string grant = string_field(body, "grant_type");
    if (grant.empty())
        return oauth_error(http::status::bad_request, "invalid_request", "grant_type is required");
    if (grant != "client_credentials" && grant != "refresh_token" && grant != "authorization_code")
        return oauth_error(http::status::bad_request, "unsupported_grant_type",
                           "grant_type '" + grant + "' is not supported");
    // Every secret presented is recorded, refused ones too: a wrong or
    // rotated-away secret is what the proxy's failure logs are about.
    const std::string presented_secret = string_field(body, "client_secret");
    if (presented_secrets_.insert(presented_secret).second)
        record_issued(presented_secret);
    if (string_field(body, "client_id") != client_id_ || presented_secret != client_secret_)
        return oauth_error(http::status::unauthorized, "invalid_client",
                           "Client authentication failed due to unknown client, no client "
                           "authentication included, or unsupported authentication method.");

    if (grant == "client_credentials")
        return issue("client:" + client_id_, req.at, issue_refresh_tokens_);

    if (grant == "refresh_token") {
        const std::string presented = string_field(body, "refresh_token");
        auto it = refresh_tokens_.find(presented);
        if (refuse_refresh_ || presented.empty() || it == refresh_tokens_.end() || it->second.revoked)
            return oauth_error(http::status::bad_request, "invalid_grant",
                               "The provided authorization grant is invalid, expired, revoked, "
                               "or was issued to another client.");
        std::string owner = it->second.owner;
        if (rotate_refresh_tokens_)
            it->second.revoked = true;
        return issue(owner, req.at, rotate_refresh_tokens_);
    }

    const std::string code = string_field(body, "code");
    if (!code.starts_with("good-") || !redeemed_codes_.insert(code).second)
        return oauth_error(http::status::bad_request, "invalid_grant",
                           "The authorization code is invalid, expired, or was already used.");
    return issue("user:" + code.substr(5), req.at, issue_refresh_tokens_);
}

http::response<http::string_body> fake_litmus_state::issue(const std::string& owner, clock::time_point now,
                                                           bool with_refresh)
{
    std::string token = "fk_" + random_hex(16);
    token_info info{owner, std::nullopt, false};
    if (expires_in_)
        info.expires_at = now + std::chrono::seconds(*expires_in_);
    access_tokens_.emplace(token, info);
    access_order_.push_back(token);
    record_issued(token);

    json::object out;
    out["access_token"] = token;
    out["token_type"] = "Bearer";
    if (expires_in_)
        out["expires_in"] = *expires_in_;
    if (with_refresh) {
        std::string refresh = "fr_" + random_hex(16);
        refresh_tokens_.emplace(refresh, refresh_info{owner, false});
        refresh_order_.push_back(refresh);
        record_issued(refresh);
        out["refresh_token"] = refresh;
    }
    out["scope"] = "full";
    // Not in every Litmus answer: here so clients prove they ignore extra fields.
    out["created_at"] =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    auto res = json_response(http::status::ok, out);
    res.set(http::field::cache_control, "no-store");
    return res;
}

const fake_litmus_state::token_info* fake_litmus_state::valid_token(const std::string& token,
                                                                    clock::time_point now) const
{
    auto it = access_tokens_.find(token);
    if (it == access_tokens_.end() || it->second.revoked)
        return nullptr;
    if (it->second.expires_at && now >= *it->second.expires_at)
        return nullptr;
    return &it->second;
}

fake_reply fake_litmus_state::api_endpoint(const recorded_request& req, std::string_view host_name,
                                           std::string_view path)
{
    const host_kind kind = kind_of(host_name);
    std::function<fake_reply(http::response<http::string_body>)> respond = [](http::response<http::string_body> res) {
        return fake_reply{fake_reply::action::respond, std::move(res)};
    };
    if (kind == host_kind::other)
        return respond(misdirected(host_name, path));

    constexpr std::string_view bench_prefix = "/bench/bytes/";
    const bool is_bench = path.starts_with(bench_prefix);
    if (!is_bench) {
        if (kind == host_kind::token)
            return respond(api_error(http::status::not_found, "not_found", "no such path on litmus.com"));
        if (is_api_only_path(path) && kind != host_kind::api)
            return respond(misdirected(host_name, path));
        if (path == "/v1/emails" && kind != host_kind::instant)
            return respond(misdirected(host_name, path));
    }

    if (api_mode_ != endpoint_mode::normal && api_mode_ != endpoint_mode::hold && api_mode_ != endpoint_mode::drip)
        return apply_mode(api_mode_, raw_api_);
    // From here on every answer is the endpoint's own, held back in hold mode
    // and compressed as configured. Like a web server's gzip filter, only the
    // JSON answers are compressed (not the benchmark's octet-stream), and the
    // ones that depend on Accept-Encoding say so with Vary.
    const bool compress = compression_ == compression::always ||
                          (compression_ == compression::when_accepted && accepts_gzip(req.header("Accept-Encoding")));
    respond = [what = action_of(api_mode_), compress, negotiated = compression_ == compression::when_accepted,
               preamble = api_preamble_](http::response<http::string_body> res) {
        const bool compressible = res.result_int() / 100 == 2 && !res.body().empty() &&
                                  is_json_media_type(res[http::field::content_type]);
        if (compressible && negotiated)
            res.set(http::field::vary, "Accept-Encoding");
        if (compressible && compress) {
            res.body() = gzip_encode(res.body());
            res.set(http::field::content_encoding, "gzip");
            res.prepare_payload();
        }
        return fake_reply{what, std::move(res), preamble};
    };

    if (is_bench) {
        // Deliberately unauthenticated: a benchmark baseline (nginx with a
        // static header) must be able to hit it with any token.
        std::string_view digits = path.substr(bench_prefix.size());
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec != std::errc{} || end != digits.data() + digits.size() || n > max_bench_bytes)
            return respond(api_error(http::status::bad_request, "bad_request",
                                     "want /bench/bytes/<n> with n <= 16777216"));
        http::response<http::string_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/octet-stream");
        res.body().assign(n, 'x');
        return respond(std::move(res));
    }

    const std::string token = req.bearer_token();
    const token_info* info = valid_token(token, req.at);
    if (!info) {
        auto res = api_error(http::status::unauthorized, "unauthorized",
                             token.empty() ? "missing bearer token"
                                           : "the access token is unknown, expired or revoked");
        res.set(http::field::www_authenticate,
                token.empty() ? "Bearer realm=\"litmus\"" : "Bearer realm=\"litmus\", error=\"invalid_token\"");
        return respond(std::move(res));
    }

    if (path == "/v3/ping/authenticated") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        std::optional<std::int64_t> expires;
        if (info->expires_at)
            expires = std::chrono::duration_cast<std::chrono::seconds>(*info->expires_at - req.at).count();
        const std::string uid = std::to_string(user_id_for("application:" + client_id_));
        return respond(json_response(http::status::ok, ping_answer(token, expires, uid)));
    }
    if (path == "/v2/users/current") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        return respond(json_response(http::status::ok,
                                     current_user_answer(user_id_for(info->owner), first_name_of(info->owner), "User")));
    }
    if (path == "/v2/user_settings/clients") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        return respond(json_response(http::status::ok, clients_answer()));
    }
    if (path == "/v2/user_settings/clients/configuration_url") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        return respond(json_response(http::status::ok, configuration_url_answer(random_hex(16))));
    }
    if (path == "/v1/emails") {
        if (req.method != "POST")
            return respond(method_not_allowed("POST"));
        std::string hex = random_hex(16);
        std::string guid = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                           hex.substr(16, 4) + "-" + hex.substr(20);
        return respond(json_response(http::status::ok, email_answer(guid)));
    }
    return respond(json_response(http::status::ok, json::object{{"method", req.method},
                                                                 {"target", req.target},
                                                                 {"host", req.host},
                                                                 {"body", req.body}}));
}

void fake_litmus_state::set_api_preamble(std::string raw)
{
    std::lock_guard lock(mutex_);
    api_preamble_ = std::move(raw);
}

void fake_litmus_state::set_compression(compression c)
{
    std::lock_guard lock(mutex_);
    compression_ = c;
}

void fake_litmus_state::set_token_mode(endpoint_mode m)
{
    std::lock_guard lock(mutex_);
    token_mode_ = m;
}

void fake_litmus_state::set_raw_token_response(raw_response r)
{
    if (r.status < 100 || r.status > 999)
        throw std::invalid_argument("raw response status must be 100..999");
    std::lock_guard lock(mutex_);
    raw_token_ = std::move(r);
}

void fake_litmus_state::set_expires_in(std::optional<int> seconds)
{
    std::lock_guard lock(mutex_);
    expires_in_ = seconds;
}

void fake_litmus_state::set_issue_refresh_tokens(bool on)
{
    std::lock_guard lock(mutex_);
    issue_refresh_tokens_ = on;
}

void fake_litmus_state::set_rotate_refresh_tokens(bool on)
{
    std::lock_guard lock(mutex_);
    rotate_refresh_tokens_ = on;
}

void fake_litmus_state::refuse_refresh(bool on)
{
    std::lock_guard lock(mutex_);
    refuse_refresh_ = on;
}

void fake_litmus_state::set_credentials(std::string id, std::string secret)
{
    std::lock_guard lock(mutex_);
    client_id_ = std::move(id);
    client_secret_ = std::move(secret);
}

bool fake_litmus_state::revoke_token(const std::string& token)
{
    std::lock_guard lock(mutex_);
    if (auto it = access_tokens_.find(token); it != access_tokens_.end()) {
        it->second.revoked = true;
        return true;
    }
    if (auto it = refresh_tokens_.find(token); it != refresh_tokens_.end()) {
        it->second.revoked = true;
        return true;
    }
    return false;
}

void fake_litmus_state::revoke_all_tokens()
{
    std::lock_guard lock(mutex_);
    for (auto& [token, info] : access_tokens_)
        info.revoked = true;
    for (auto& [token, info] : refresh_tokens_)
        info.revoked = true;
}

void fake_litmus_state::set_api_mode(endpoint_mode m)
{
    std::lock_guard lock(mutex_);
    api_mode_ = m;
}

void fake_litmus_state::set_raw_api_response(raw_response r)
{
    if (r.status < 100 || r.status > 999)
        throw std::invalid_argument("raw response status must be 100..999");
    std::lock_guard lock(mutex_);
    raw_api_ = std::move(r);
}

std::vector<recorded_request> fake_litmus_state::requests() const
{
    std::lock_guard lock(mutex_);
    return records_;
}

std::vector<recorded_request> fake_litmus_state::token_requests() const
{
    std::lock_guard lock(mutex_);
    std::vector<recorded_request> out;
    for (const auto& r : records_)
        if (r.path() == "/oauth/token")
            out.push_back(r);
    return out;
}

std::vector<recorded_request> fake_litmus_state::api_requests() const
{
    std::lock_guard lock(mutex_);
    std::vector<recorded_request> out;
    for (const auto& r : records_)
        if (r.path() != "/oauth/token")
            out.push_back(r);
    return out;
}

std::size_t fake_litmus_state::request_count() const
{
    std::lock_guard lock(mutex_);
    return total_count_;
}

std::size_t fake_litmus_state::token_request_count() const
{
    std::lock_guard lock(mutex_);
    return token_count_;
}

std::size_t fake_litmus_state::api_request_count() const
{
    std::lock_guard lock(mutex_);
    return api_count_;
}

std::vector<std::string> fake_litmus_state::issued_tokens() const
{
    std::lock_guard lock(mutex_);
    return access_order_;
}

std::vector<std::string> fake_litmus_state::issued_refresh_tokens() const
{
    std::lock_guard lock(mutex_);
    return refresh_order_;
}

bool fake_litmus_state::wait_until(std::chrono::milliseconds timeout, const std::function<bool()>& done) const
{
    std::unique_lock lock(mutex_);
    return recorded_.wait_for(lock, timeout, done);
}

bool fake_litmus_state::wait_for_requests(std::size_t total, std::chrono::milliseconds timeout) const
{
    return wait_until(timeout, [&] { return total_count_ >= total; });
}

bool fake_litmus_state::wait_for_token_requests(std::size_t n, std::chrono::milliseconds timeout) const
{
    return wait_until(timeout, [&] { return token_count_ >= n; });
}

bool fake_litmus_state::wait_for_api_requests(std::size_t n, std::chrono::milliseconds timeout) const
{
    return wait_until(timeout, [&] { return api_count_ >= n; });
}

void fake_litmus_state::clear_records()
{
    std::lock_guard lock(mutex_);
    records_.clear();
    total_count_ = token_count_ = api_count_ = 0;
}

}  // namespace litmus::fake

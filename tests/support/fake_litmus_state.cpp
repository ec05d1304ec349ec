#include "tests/support/fake_litmus_state.hpp"

#include "tests/support/gzip_encode.hpp"
#include "tests/support/litmus_answers.hpp"
#include "tests/support/random_hex.hpp"

#include <boost/algorithm/string/predicate.hpp>

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
constexpr std::string_view token_path = "/oauth/token";
constexpr std::string_view authorize_path = "/oauth/authorize";
/// GET /v1/emails lists at most this many of the caller's latest emails.
constexpr std::size_t max_emails_listed = 10;
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

fake_reply fake_litmus_state::handle(const recorded_request& req)
{
    std::lock_guard lock(mutex_);
    const std::string path = req.path();
    const bool is_token = path == token_path;
    const bool is_authorize = path == authorize_path;
    ++total_count_;
    if (is_token)
        ++token_count_;
    else if (!is_authorize)
        ++api_count_;
    if (keep_records_)
        records_.push_back(req);
    recorded_.notify_all();

    const std::string name = host_name_of(req.host);
    if (is_authorize) {
        // A browser page, not an API: the token and API modes leave it alone.
        if (kind_of(name) != host_kind::token)
            return {fake_reply::action::respond, misdirected(name, path)};
        return {fake_reply::action::respond, authorize_endpoint(req)};
    }
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
        return issue("client:" + client_id_, req.at, issue_refresh_tokens_, expires_in_);

    if (grant == "refresh_token") {
        const std::string presented = string_field(body, "refresh_token");
        auto it = refresh_tokens_.find(presented);
        const std::optional<std::string> login =
            it == refresh_tokens_.end() ? std::nullopt : fake_users::login_of_owner(it->second.owner);
        if (refuse_refresh_ || presented.empty() || it == refresh_tokens_.end() || it->second.revoked) {
            if (login)
                users_.count_refresh(*login, false);
            return oauth_error(http::status::bad_request, "invalid_grant",
                               "The provided authorization grant is invalid, expired, revoked, "
                               "or was issued to another client.");
        }
        std::string owner = it->second.owner;
        // A user's refresh token always rotates, as Litmus's do; a
        // client-credentials one follows set_rotate_refresh_tokens.
        const bool rotate = login || rotate_refresh_tokens_;
        if (rotate)
            it->second.revoked = true;
        if (!login)
            return issue(owner, req.at, rotate, expires_in_);
        users_.count_refresh(*login, true);
        return issue(owner, req.at, rotate, users_.expires_in_for(*login, expires_in_));
    }

    // RFC 6749 §4.1.3: redirect_uri is required exactly when the authorize
    // request had one, so "absent" and "empty" are different answers.
    std::optional<std::string> redirect_uri;
    if (const json::value* v = body.if_contains("redirect_uri")) {
        if (!v->is_string())
            return oauth_error(http::status::bad_request, "invalid_request", "redirect_uri must be a string");
        redirect_uri = std::string(v->get_string());
    }
    const std::optional<std::string> login =
        users_.redeem(string_field(body, "code"), client_id_, redirect_uri, req.at);
    if (!login)
        return oauth_error(http::status::bad_request, "invalid_grant",
                           "The authorization code is invalid, expired, already used, or was issued to "
                           "another client or redirect_uri.");
    // Authorization-code grants always come with a refresh token.
    return issue("user:" + *login, req.at, true, users_.expires_in_for(*login, expires_in_));
}

http::response<http::string_body> fake_litmus_state::authorize_endpoint(const recorded_request& req)
{
    if (req.method != "GET")
        return method_not_allowed("GET");
    authorize_outcome outcome = users_.authorize(req, client_id_);
    record_issued(outcome.code);
    if (outcome.status != 0)
        return oauth_error(static_cast<http::status>(outcome.status), outcome.error, outcome.description);
    http::response<http::string_body> res{http::status::found, 11};
    res.set(http::field::location, outcome.location);
    res.set(http::field::cache_control, "no-store");
    return res;
}

http::response<http::string_body> fake_litmus_state::issue(const std::string& owner, clock::time_point now,
                                                           bool with_refresh, std::optional<int> expires_in)
{
    std::string token = "fk_" + random_hex(16);
    token_info info{owner, std::nullopt, false};
    if (expires_in)
        info.expires_at = now + std::chrono::seconds(*expires_in);
    access_tokens_.emplace(token, info);
    access_order_.push_back(token);
    record_issued(token);

    json::object out;
    out["access_token"] = token;
    out["token_type"] = "Bearer";
    if (expires_in)
        out["expires_in"] = *expires_in;
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

user_profile fake_litmus_state::profile_of_owner(const std::string& owner) const
{
    if (auto login = fake_users::login_of_owner(owner))
        return fake_users::profile_of(*login);
    // A client-credentials token acts for the account that owns the client.
    return {"", fake_users::id_for(owner), "Test", "User", "Test User", "test@example.com"};
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

    users_.count_api_request(path, info->owner);
    const user_profile who = profile_of_owner(info->owner);

    if (path == "/v3/ping/authenticated") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        std::optional<std::int64_t> expires;
        if (info->expires_at)
            expires = std::chrono::duration_cast<std::chrono::seconds>(*info->expires_at - req.at).count();
        const std::string uid = std::to_string(fake_users::id_for("application:" + client_id_));
        return respond(json_response(http::status::ok, ping_answer(token, expires, uid)));
    }
    if (path == "/v2/users/current") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        return respond(json_response(http::status::ok,
                                     current_user_answer(who.id, who.first_name, who.last_name, who.email)));
    }
    if (path == "/v2/user_settings/clients") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        return respond(json_response(http::status::ok, clients_answer(who.id)));
    }
    if (path == "/v2/user_settings/clients/configuration_url") {
        if (req.method != "GET")
            return respond(method_not_allowed("GET"));
        return respond(json_response(http::status::ok, configuration_url_answer(random_hex(16), who.id)));
    }
    if (path == "/v1/emails") {
        std::deque<std::string>& mine = emails_by_owner_[info->owner];
        if (req.method == "GET")
            return respond(json_response(http::status::ok, emails_answer({mine.begin(), mine.end()}, who.id)));
        if (req.method != "POST")
            return respond(method_not_allowed("GET, POST"));
        std::string hex = random_hex(16);
        std::string guid = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                           hex.substr(16, 4) + "-" + hex.substr(20);
        mine.push_back(guid);
        if (mine.size() > max_emails_listed)
            mine.pop_front();
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

std::size_t fake_litmus_state::revoke_user(const std::string& login)
{
    std::lock_guard lock(mutex_);
    const std::string owner = "user:" + login;
    std::size_t revoked = 0;
    auto revoke = [&](auto& tokens) {
        for (auto& [token, info] : tokens)
            if (info.owner == owner && !info.revoked) {
                info.revoked = true;
                ++revoked;
            }
    };
    revoke(access_tokens_);
    revoke(refresh_tokens_);
    return revoked;
}

std::size_t fake_litmus_state::expire_user_tokens(const std::string& login)
{
    std::lock_guard lock(mutex_);
    const std::string owner = "user:" + login;
    const auto now = clock::now();
    std::size_t expired = 0;
    for (auto& [token, info] : access_tokens_)
        if (info.owner == owner && !info.revoked && (!info.expires_at || *info.expires_at > now)) {
            info.expires_at = clock::time_point::min();
            ++expired;
        }
    return expired;
}

std::optional<std::string> fake_litmus_state::login_of_token(const std::string& token) const
{
    std::lock_guard lock(mutex_);
    if (auto it = access_tokens_.find(token); it != access_tokens_.end())
        return fake_users::login_of_owner(it->second.owner);
    if (auto it = refresh_tokens_.find(token); it != refresh_tokens_.end())
        return fake_users::login_of_owner(it->second.owner);
    return std::nullopt;
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

std::vector<recorded_request> fake_litmus_state::records_where(
    const std::function<bool(std::string_view path)>& keep) const
{
    std::lock_guard lock(mutex_);
    std::vector<recorded_request> out;
    for (const auto& r : records_)
        if (keep(r.path()))
            out.push_back(r);
    return out;
}

std::vector<recorded_request> fake_litmus_state::token_requests() const
{
    return records_where([](std::string_view path) { return path == token_path; });
}

std::vector<recorded_request> fake_litmus_state::authorize_requests() const
{
    return records_where([](std::string_view path) { return path == authorize_path; });
}

std::vector<recorded_request> fake_litmus_state::api_requests() const
{
    return records_where([](std::string_view path) { return path != token_path && path != authorize_path; });
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

#include "proxy/token/token_response.hpp"

#include "proxy/core/ascii.hpp"

#include <boost/json.hpp>

#include <cmath>

namespace litmus::token {

namespace json = boost::json;

std::string_view to_string(grant_kind k) noexcept
{
    switch (k) {
    case grant_kind::client_credentials: return "client_credentials";
    case grant_kind::refresh_token: return "refresh_token";
    case grant_kind::authorization_code: return "authorization_code";
    }
    return "client_credentials";
}

bool is_token68(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_token_size)
        return false;
    std::size_t i = 0;
    for (; i < s.size(); ++i) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
        if (!ok)
            break;
    }
    if (i == 0)
        return false;
    for (; i < s.size(); ++i)
        if (s[i] != '=')
            return false;
    return true;
}

namespace {

// Keeps the endpoint's explanation loggable: printable ASCII only, bounded.
std::string safe_text(std::string_view s, std::size_t limit = 200)
{
    std::string out;
    for (char c : s) {
        if (out.size() >= limit) {
            out += "...";
            break;
        }
        if (c >= 0x20 && c < 0x7f)
            out += c;
    }
    return out;
}

// A non-2xx answer: its status, and the RFC 6749 §5.2 `error` and
// `error_description` when the body is the JSON error object it should be.
token_failure endpoint_failure(errc code, unsigned status, std::string_view body)
{
    token_failure f{code, status, "HTTP " + std::to_string(status)};
    error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object())
        return f;
    const auto& o = v.get_object();
    if (auto e = o.if_contains("error"); e && e->is_string()) {
        f.oauth_error = safe_text(e->get_string(), 64);
        f.reason.append(" ").append(safe_text(e->get_string()));
    }
    if (auto d = o.if_contains("error_description"); d && d->is_string())
        f.reason.append(": ").append(safe_text(d->get_string()));
    return f;
}

token_failure bad(std::string reason, unsigned status)
{
    return {errc::token_bad_response, status, std::move(reason)};
}

}  // namespace

fetch_result parse_token_response(grant_kind kind, unsigned status, std::string_view body,
                                  const config::token_config& cfg)
{
    if (status == 400 || status == 401)
        return endpoint_failure(kind == grant_kind::refresh_token ? errc::refresh_refused : errc::token_rejected,
                                status, body);
    if (status < 200 || status > 299)
        return endpoint_failure(errc::token_endpoint_failed, status, body);

    error_code ec;
    auto v = json::parse(body, ec);
    if (ec)
        return bad("response is not JSON", status);
    if (!v.is_object())
        return bad("response is not a JSON object", status);
    const auto& o = v.get_object();

    token_response r;
    auto at = o.if_contains("access_token");
    if (!at || !at->is_string() || at->get_string().empty())
        return bad("no access_token", status);
    if (!is_token68(at->get_string()))
        return bad("access_token is not a valid bearer token (bad characters or over 8 KiB)", status);
    r.access_token = at->get_string();

    if (auto tt = o.if_contains("token_type")) {
        if (!tt->is_string() || !litmus::iequals(tt->get_string(), "bearer"))
            return bad("token_type is not Bearer", status);
    }

    auto ei = o.if_contains("expires_in");
    double seconds = -1;
    bool numeric = false;
    if (ei && (ei->is_int64() || ei->is_uint64() || ei->is_double())) {
        numeric = true;
        seconds = ei->to_number<double>();
    }
    if (!numeric || !std::isfinite(seconds)) {
        r.lifetime = cfg.default_lifetime;
        r.lifetime_defaulted = true;
    } else if (seconds <= 0) {
        // The endpoint says the token is already dead: using it would inject an
        // expired token, and a default would contradict the endpoint.
        return bad("expires_in is zero or negative", status);
    } else {
        auto max_seconds = std::chrono::duration<double>(cfg.max_lifetime).count();
        if (seconds > max_seconds) {
            r.lifetime = cfg.max_lifetime;
            r.lifetime_capped = true;
        } else {
            r.lifetime = std::chrono::seconds(std::max<long long>(1, static_cast<long long>(seconds)));
        }
    }

    if (auto rt = o.if_contains("refresh_token"); rt && rt->is_string() && is_token68(rt->get_string()))
        r.refresh_token = std::string(rt->get_string());
    return r;
}

std::string make_grant_body(const token_grant& grant, std::string_view client_id,
                            std::string_view client_secret)
{
    json::object o;
    o["grant_type"] = to_string(grant.kind);
    o["client_id"] = client_id;
    o["client_secret"] = client_secret;
    switch (grant.kind) {
    case grant_kind::client_credentials: break;
    case grant_kind::refresh_token: o["refresh_token"] = grant.refresh_token; break;
    case grant_kind::authorization_code:
        o["code"] = grant.code;
        if (!grant.redirect_uri.empty())
            o["redirect_uri"] = grant.redirect_uri;
        break;
    }
    return json::serialize(o);
}

}  // namespace litmus::token

#include "tests/support/fake_users.hpp"

#include "tests/support/random_hex.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace litmus::fake {

namespace {

constexpr std::string_view user_prefix = "user:";
/// Distinct API paths remembered for last_login: a long benchmark over many
/// paths must not grow the fake without bound.
constexpr std::size_t max_paths_remembered = 1000;

// An absolute http(s) URI without fragment, as RFC 6749 §3.1.2 wants a
// redirection endpoint to be.
bool valid_redirect_uri(std::string_view uri)
{
    auto parsed = boost::urls::parse_absolute_uri(uri);
    if (!parsed)
        return false;
    auto scheme = parsed->scheme_id();
    return (scheme == boost::urls::scheme::http || scheme == boost::urls::scheme::https) &&
           parsed->has_authority() && !parsed->host().empty();
}

}  // namespace

bool fake_users::valid_login(std::string_view login)
{
    return !login.empty() && login.size() <= 64 && std::all_of(login.begin(), login.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

user_profile fake_users::profile_of(std::string_view login)
{
    user_profile p;
    p.login = std::string(login);
    p.id = id_for(std::string(user_prefix) + p.login);
    p.first_name = p.login;
    if (!p.first_name.empty())
        p.first_name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(p.first_name[0])));
    p.last_name = "User";
    p.full_name = p.first_name + " " + p.last_name;
    p.email = p.login + "@example.com";
    return p;
}

std::int64_t fake_users::id_for(std::string_view owner)
{
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : owner) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return 1000 + static_cast<std::int64_t>(h % 9'000'000);
}

std::optional<std::string> fake_users::login_of_owner(std::string_view owner)
{
    if (!owner.starts_with(user_prefix))
        return std::nullopt;
    return std::string(owner.substr(user_prefix.size()));
}

authorize_outcome fake_users::refuse(std::string error, std::string description)
{
    ++totals_.refused;
    return {400, {}, {}, std::move(error), std::move(description)};
}

authorize_outcome fake_users::authorize(const recorded_request& req, std::string_view client_id)
{
    auto target = boost::urls::parse_origin_form(req.target);
    if (!target)
        return refuse("invalid_request", "the request target is not a valid URI");
    std::map<std::string, std::string, std::less<>> query;
    for (auto p : target->params()) {
        // RFC 6749 §3.1: parameters MUST NOT be included more than once.
        if (!query.emplace(p.key, p.value).second)
            return refuse("invalid_request", "parameter '" + p.key + "' is repeated");
    }
    auto param = [&](std::string_view key) -> std::optional<std::string> {
        auto it = query.find(key);
        if (it == query.end())
            return std::nullopt;
        return it->second;
    };

    if (param("client_id").value_or("") != client_id)
        return refuse("invalid_client", "unknown client_id");
    if (param("response_type").value_or("") != "code")
        return refuse("unsupported_response_type", "response_type must be 'code'");
    const std::optional<std::string> redirect_uri = param("redirect_uri");
    if (redirect_uri && !valid_redirect_uri(*redirect_uri))
        return refuse("invalid_request", "redirect_uri must be an absolute http(s) URI without fragment");
    const std::string login = param("login_as").value_or(default_login_);
    if (!valid_login(login))
        return refuse("invalid_request", "login_as must be 1-64 characters of [A-Za-z0-9._-]");

    boost::urls::url location = boost::urls::parse_absolute_uri(redirect_uri.value_or(default_redirect_uri_)).value();
    location.remove_fragment();
    const std::optional<std::string> state = param("state");
    auto redirect_with_error = [&](std::string_view error) {
        location.params().append({"error", error});
        if (state)
            location.params().append({"state", *state});
        return authorize_outcome{0, std::string(location.buffer()), {}, {}, {}};
    };
    if (auto scope = param("scope"); scope && *scope != "full")
        return redirect_with_error("invalid_scope");
    if (deny_) {
        ++totals_.denied;
        return redirect_with_error("access_denied");
    }

    std::string code = "fc_" + random_hex(16);
    codes_.emplace(code, code_info{login, std::string(client_id), redirect_uri, req.at + code_lifetime_, false});
    ++totals_.codes_issued;
    ++counters_[login].codes_issued;
    location.params().append({"code", code});
    if (state)
        location.params().append({"state", *state});
    return {0, std::string(location.buffer()), code, {}, {}};
}

std::optional<std::string> fake_users::redeem(std::string_view code, std::string_view client_id,
                                              const std::optional<std::string>& redirect_uri, clock::time_point now)
{
    auto it = codes_.find(std::string(code));
    if (it == codes_.end() || it->second.redeemed || now >= it->second.expires_at ||
        it->second.client_id != client_id || it->second.redirect_uri != redirect_uri) {
        ++totals_.codes_refused;
        return std::nullopt;
    }
    it->second.redeemed = true;
    ++totals_.codes_exchanged;
    ++counters_[it->second.login].codes_exchanged;
    return it->second.login;
}

void fake_users::count_refresh(const std::string& login, bool granted)
{
    auto& c = counters_[login];
    ++(granted ? c.refreshes : c.refreshes_refused);
}

void fake_users::count_api_request(std::string_view path, std::string_view owner)
{
    const std::optional<std::string> login = login_of_owner(owner);
    if (login)
        ++counters_[*login].api_requests;
    auto it = last_owner_by_path_.find(path);
    if (it != last_owner_by_path_.end())
        it->second = login.value_or("");
    else if (last_owner_by_path_.size() < max_paths_remembered)
        last_owner_by_path_.emplace(std::string(path), login.value_or(""));
}

void fake_users::set_default_login(std::string login)
{
    if (!valid_login(login))
        throw std::invalid_argument("a login is 1-64 characters of [A-Za-z0-9._-]");
    default_login_ = std::move(login);
}

void fake_users::set_default_redirect_uri(std::string uri)
{
    if (!valid_redirect_uri(uri))
        throw std::invalid_argument("the default redirect URI must be an absolute http(s) URI");
    default_redirect_uri_ = std::move(uri);
}

void fake_users::deny_authorizations(bool on) { deny_ = on; }

void fake_users::set_code_lifetime(std::chrono::milliseconds lifetime) { code_lifetime_ = lifetime; }

void fake_users::set_expires_in(const std::string& login, int seconds) { expires_in_[login] = seconds; }

std::optional<int> fake_users::expires_in_for(const std::string& login, std::optional<int> fallback) const
{
    auto it = expires_in_.find(login);
    return it == expires_in_.end() ? fallback : std::optional<int>(it->second);
}

user_counters fake_users::counters(const std::string& login) const
{
    auto it = counters_.find(login);
    return it == counters_.end() ? user_counters{} : it->second;
}

authorization_counters fake_users::totals() const { return totals_; }

std::optional<std::string> fake_users::last_login(std::string_view path) const
{
    auto it = last_owner_by_path_.find(path);
    if (it == last_owner_by_path_.end())
        return std::nullopt;
    return it->second;
}

}  // namespace litmus::fake

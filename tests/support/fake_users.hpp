#pragma once
// The end users of the fake Litmus and the authorization-code flow they go
// through (RFC 6749 §4.1): who "logs in" at GET https://litmus.com/oauth/authorize,
// the codes that come back (single use, short-lived, bound to the client and
// to the redirect_uri), per-user token lifetimes and per-user counters. No
// sockets and no HTTP rendering: fake_litmus_state turns its decisions into
// answers and keeps the tokens themselves (owner "user:<login>").
//
// Who logs in: the `login_as=<login>` query parameter a test appends to the
// authorize URL before following it like a browser, else the default login
// (set_default_login, "alice" at start). Every valid login is a user, with a
// profile derived from the login alone (profile_of), so tests can predict it.

#include "tests/support/fake_types.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace litmus::fake {

/// What GET /v2/users/current reports for a user.
struct user_profile {
    std::string login;
    std::int64_t id = 0;     ///< stable: fake_users::id_for("user:" + login)
    std::string first_name;  ///< the login with its first letter upper-cased ("alice" -> "Alice")
    std::string last_name;   ///< "User"
    std::string full_name;   ///< first_name + " " + last_name
    std::string email;       ///< login + "@example.com"
};

/// Counts for one user since the fake started (never reset).
struct user_counters {
    std::size_t codes_issued = 0;     ///< authorize redirects that carried a code for this user
    std::size_t codes_exchanged = 0;  ///< authorization_code grants that issued this user tokens
    std::size_t refreshes = 0;        ///< refresh_token grants that issued this user tokens
    /// refresh_token grants that presented one of this user's refresh tokens
    /// and were refused (spent by rotation, revoked, or refuse_refresh on).
    std::size_t refreshes_refused = 0;
    std::size_t api_requests = 0;  ///< API requests answered with one of this user's valid access tokens
};

/// Counts over every user since the fake started (never reset).
struct authorization_counters {
    std::size_t codes_issued = 0;     ///< authorize redirects with a code
    std::size_t denied = 0;           ///< authorize redirects with error=access_denied
    std::size_t refused = 0;          ///< authorize requests answered 400 (bad client, response_type, …)
    std::size_t codes_exchanged = 0;  ///< authorization_code grants that issued tokens
    std::size_t codes_refused = 0;    ///< authorization_code grants answered invalid_grant
};

/// The answer to one GET /oauth/authorize.
struct authorize_outcome {
    /// 0: redirect (302 to `location`); otherwise the HTTP status of an
    /// RFC 6749 §5.2-shaped error answer carrying `error` and `description`.
    unsigned status = 0;
    std::string location;
    std::string code;  ///< the code issued, "" when none (a secret, like a token)
    std::string error;
    std::string description;
};

/// Not thread-safe: fake_litmus_state calls every member under its own mutex.
class fake_users {
public:
    using clock = std::chrono::steady_clock;

    /// The redirect URI used when an authorize request has none, until
    /// set_default_redirect_uri changes it.
    static constexpr std::string_view initial_redirect_uri = "https://app.example/litmus/callback";
    /// How long a code stays redeemable, until set_code_lifetime changes it
    /// (RFC 6749 §4.1.2 recommends at most 10 minutes).
    static constexpr std::chrono::seconds initial_code_lifetime{600};

    /// 1 to 64 characters of [A-Za-z0-9._-].
    static bool valid_login(std::string_view login);
    static user_profile profile_of(std::string_view login);
    /// A stable id for a token owner ("client:<id>", "user:<login>", …): FNV-1a,
    /// the same across runs and platforms, in 1000..9'000'999.
    static std::int64_t id_for(std::string_view owner);
    /// "user:<login>" -> "<login>"; nullopt for any other owner.
    static std::optional<std::string> login_of_owner(std::string_view owner);

    /// GET /oauth/authorize with the query of `req.target`, for the client
    /// `client_id` (the only one the fake knows). Unknown or missing
    /// client_id, response_type other than "code", a redirect_uri that is not
    /// an absolute http(s) URI without fragment, a repeated parameter or a bad
    /// login_as: 400, no redirect (RFC 6749 §4.1.2.1). A scope other than
    /// "full": redirect with error=invalid_scope. Deny mode: redirect with
    /// error=access_denied. Otherwise a fresh code (fc_<32 hex>) for the user,
    /// bound to client_id and to redirect_uri as given (or to "no
    /// redirect_uri" when absent: the redirect then goes to the default URI).
    /// `state` is echoed when present.
    authorize_outcome authorize(const recorded_request& req, std::string_view client_id);

    /// The authorization_code grant after client authentication: the login
    /// of the code's user, or nullopt (invalid_grant) when the code is
    /// unknown, already redeemed, expired at `now`, issued to another client,
    /// or `redirect_uri` (nullopt: absent from the request) differs from the
    /// authorize request's, absence included. A refused code stays as it was.
    std::optional<std::string> redeem(std::string_view code, std::string_view client_id,
                                      const std::optional<std::string>& redirect_uri, clock::time_point now);

    /// Bookkeeping fake_litmus_state reports.
    void count_refresh(const std::string& login, bool granted);
    /// `owner` of the valid access token an API request on `path` used.
    void count_api_request(std::string_view path, std::string_view owner);

    // Test control.
    void set_default_login(std::string login);  ///< throws std::invalid_argument unless valid_login
    void set_default_redirect_uri(std::string uri);
    void deny_authorizations(bool on);
    void set_code_lifetime(std::chrono::milliseconds lifetime);
    /// Lifetime of access tokens issued to `login` from now on, overriding
    /// the fake-wide expires_in for that user.
    void set_expires_in(const std::string& login, int seconds);
    /// The user's override, else `fallback` (the fake-wide setting).
    std::optional<int> expires_in_for(const std::string& login, std::optional<int> fallback) const;

    // Reading.
    user_counters counters(const std::string& login) const;
    authorization_counters totals() const;
    /// The login behind the last API request on `path` answered with a valid
    /// token; "" when that token was a client-credentials one; nullopt when
    /// no such request came.
    std::optional<std::string> last_login(std::string_view path) const;

private:
    struct code_info {
        std::string login;
        std::string client_id;
        std::optional<std::string> redirect_uri;
        clock::time_point expires_at;
        bool redeemed = false;
    };

    authorize_outcome refuse(std::string error, std::string description);

    std::string default_login_ = "alice";
    std::string default_redirect_uri_{initial_redirect_uri};
    bool deny_ = false;
    std::chrono::milliseconds code_lifetime_ = initial_code_lifetime;
    std::unordered_map<std::string, int> expires_in_;
    std::unordered_map<std::string, code_info> codes_;
    std::unordered_map<std::string, user_counters> counters_;
    authorization_counters totals_;
    std::map<std::string, std::string, std::less<>> last_owner_by_path_;
};

}  // namespace litmus::fake

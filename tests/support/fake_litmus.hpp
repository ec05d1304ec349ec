#pragma once
// The fake Litmus: token endpoint, API hosts and request records behind one
// HTTPS listener on 127.0.0.1, with a CA made at start-up. Integration tests
// point the proxy at it (connect override + ca_file); the `litmus-fake`
// executable wraps it for the demo and the benchmark.
//
// Hosts are told apart by the Host header, as on the real service:
// litmus.com (POST /oauth/token, GET /oauth/authorize), api.litmus.com
// (/v3/ping/authenticated, /v2/users/current,
// /v2/user_settings/clients[/configuration_url], anything else echoed),
// instant-api.litmus.com (POST and GET /v1/emails, anything else echoed);
// /bench/bytes/<n> on all three.
//
// End users (the authorization-code flow, fake_users.hpp): a test follows the
// authorize URL like a browser, adding `login_as=<login>` to pick who logs in
// (else the default login, "alice"); the fake redirects to
// `<redirect_uri>?code=…&state=…` and the code buys that user an access
// token and a refresh token (always rotated on refresh). The API then answers
// for the token's user: /v2/users/current names them, and the other answers
// carry their id in "user_id". A client-credentials token acts for the
// client's own account ("Test User", user_id_for_client). The API answers come in the shapes
// the Litmus documentation shows (litmus_answers.hpp), gzip-compressed when
// the request's Accept-Encoding allows it. The certificate covers those
// names, localhost and 127.0.0.1.

#include "tests/support/fake_types.hpp"
#include "tests/support/fake_users.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace litmus::fake {

/// Thread-safety: every member may be called from any thread, concurrently
/// with the server thread, except from inside fake_options::on_request.
class fake_litmus {
public:
    /// Makes the CA and the server certificate, binds, writes ca_file() and
    /// starts the server thread: connections are accepted once this returns.
    /// Throws when the address cannot be bound.
    explicit fake_litmus(fake_options opts = {});
    /// Stops the server (closing keep-alive and stalled connections), joins
    /// its thread and removes the temp directory. Never waits on a client.
    ~fake_litmus();
    fake_litmus(const fake_litmus&) = delete;
    fake_litmus& operator=(const fake_litmus&) = delete;

    std::uint16_t port() const;
    /// "127.0.0.1:<port>" (the listen host and the bound port).
    std::string endpoint() const;
    /// Path of a PEM file holding only the fake's CA certificate.
    std::string ca_file() const;
    std::string ca_pem() const;

    // --- token endpoint (POST https://litmus.com/oauth/token, JSON body) ---
    void set_token_mode(endpoint_mode m);
    /// The answer in endpoint_mode::raw. status 100..999; an empty
    /// content_type sends no Content-Type header.
    void set_raw_token_response(unsigned status, std::string content_type, std::string body);
    /// Lifetime of tokens issued from now on; nullopt omits expires_in.
    /// set_user_expires_in overrides it for one user.
    void set_expires_in(std::optional<int> seconds);
    /// Whether client_credentials grants also return a refresh token
    /// (authorization_code grants always do).
    void set_issue_refresh_tokens(bool on);
    /// Whether refreshing with a client-credentials refresh token rotates it
    /// (a user's refresh token always rotates).
    void set_rotate_refresh_tokens(bool on);
    /// true: every refresh_token grant gets 400 {"error":"invalid_grant"}.
    void refuse_refresh(bool on);
    /// The client_id / client_secret accepted from now on.
    void set_credentials(std::string id, std::string secret);

    // --- API hosts ---
    /// Every access and refresh token issued so far is rejected from now on
    /// (401 on the API, invalid_grant on refresh). Later tokens are fine.
    void revoke_all_tokens();
    /// Revokes one access or refresh token; false when the fake never issued it.
    bool revoke_token(const std::string& token);
    /// Applies to every request that is not for /oauth/token (after the
    /// Host check: a misdirected request still gets 421).
    void set_api_mode(endpoint_mode m);
    /// The answer in set_api_mode(endpoint_mode::raw).
    void set_raw_api_response(unsigned status, std::string content_type, std::string body);

    /// Whether API answers (2xx JSON) are gzip-encoded; see fake::compression.
    /// Default: compression::when_accepted.
    void set_compression(compression c);

    /// Raw bytes sent before every API answer from now on, e.g. interim
    /// responses ("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"). "" = none.
    void set_api_preamble(std::string raw);

    /// Sends the answers of every request held so far by endpoint_mode::hold
    /// (token or API). Requests arriving later are held again until the next
    /// call; switch the mode back to normal first to stop holding.
    void release_held();

    // --- users: the authorization-code flow (fake_users.hpp) ---
    /// Who logs in when the authorize request has no login_as. Throws
    /// std::invalid_argument unless fake_users::valid_login.
    void set_default_login(std::string login);
    /// Where the authorize endpoint redirects when the request has no
    /// redirect_uri (default fake_users::initial_redirect_uri). Throws
    /// std::invalid_argument unless an absolute http(s) URI.
    void set_default_redirect_uri(std::string uri);
    /// true: every authorize request (with a valid client and response_type)
    /// redirects with error=access_denied and no code, as when the user
    /// clicks "Deny".
    void deny_authorizations(bool on);
    /// How long codes issued from now on stay redeemable (default 10 min);
    /// 0 makes codes that are expired by the time they are presented.
    void set_code_lifetime(std::chrono::milliseconds lifetime);
    /// Lifetime (expires_in) of access tokens issued to `login` from now on,
    /// overriding set_expires_in for that user; 0 = expired on arrival.
    void set_user_expires_in(const std::string& login, int seconds);
    /// Revokes every access and refresh token issued to `login` so far (401
    /// on the API, invalid_grant on refresh); a new authorization gets fresh
    /// valid tokens. Returns how many tokens were still valid.
    std::size_t revoke_user(const std::string& login);
    /// Every access token issued to `login` so far expires now (401 on the
    /// API); the user's refresh token stays valid. Returns how many expired.
    std::size_t expire_user_tokens(const std::string& login);
    /// Codes, refreshes and API requests of one user (zeros for a stranger).
    user_counters user_counts(const std::string& login) const;
    /// Authorize and code-exchange outcomes over all users.
    authorization_counters authorization_counts() const;
    /// The login an access or refresh token was issued to; nullopt for
    /// client-credentials tokens and tokens the fake never issued.
    std::optional<std::string> login_of_token(const std::string& token) const;
    /// The login behind the last API request on `path` (no query) answered
    /// with a valid token; "" when that was a client-credentials token;
    /// nullopt when none came.
    std::optional<std::string> last_login(std::string_view path) const;
    /// What /v2/users/current reports for `login`'s tokens.
    static user_profile user_profile_of(std::string_view login);

    // --- connections ---
    /// Closes every open connection now (no TLS close_notify), like a server
    /// restart; the listener stays. Returns once they are closed.
    void drop_connections();
    std::uint64_t connections_accepted() const;
    std::size_t open_connections() const;

    // --- records (in arrival order; empty when keep_records is false) ---
    std::vector<recorded_request> requests() const;
    std::vector<recorded_request> token_requests() const;      ///< path /oauth/token
    std::vector<recorded_request> authorize_requests() const;  ///< path /oauth/authorize
    std::vector<recorded_request> api_requests() const;        ///< every other path
    /// Counts run even when keep_records is false; clear_records() resets them.
    /// request_count() counts authorize requests too, the other two do not.
    std::size_t request_count() const;
    std::size_t token_request_count() const;
    std::size_t api_request_count() const;
    /// Access tokens in issue order (never cleared).
    std::vector<std::string> issued_tokens() const;
    /// Refresh tokens in issue order (never cleared).
    std::vector<std::string> issued_refresh_tokens() const;
    /// Block until request_count() >= total (or the timeout); true if reached.
    bool wait_for_requests(std::size_t total, std::chrono::milliseconds timeout) const;
    bool wait_for_token_requests(std::size_t n, std::chrono::milliseconds timeout) const;
    bool wait_for_api_requests(std::size_t n, std::chrono::milliseconds timeout) const;
    void clear_records();

    /// The "id" /v2/users/current reports for client-credentials tokens of
    /// `client_id`.
    static std::int64_t user_id_for_client(std::string_view client_id);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace litmus::fake

#pragma once
// The fake Litmus without sockets: token store, endpoint behaviour and request
// records. fake_https_server feeds it decoded requests and performs the reply
// it picks; fake_litmus is the public face that owns both.

#include "proxy/core/net.hpp"
#include "tests/support/fake_types.hpp"
#include "tests/support/fake_users.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace litmus::fake {

/// What the server shell does with one request.
struct fake_reply {
    /// hold: send `response`, but only once the server is told to release
    /// held requests.
    /// drip: send `response` one byte at a time (endpoint_mode::drip).
    enum class action { respond, close, reset, stall, hold, drip };
    action what = action::respond;
    http::response<http::string_body> response;  ///< meaningful for respond only
    /// Raw bytes written just before `response` (interim 1xx answers).
    std::string preamble = {};
};

/// A configured raw answer for endpoint_mode::raw.
struct raw_response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body = "{}";
};

/// Thread-safety: every member locks one mutex, so the server thread and the
/// test thread may call anything concurrently.
///
/// With LITMUS_FAKE_ISSUED_FILE set in the environment, every access token,
/// refresh token and authorization code issued and every client secret
/// presented is appended to that file, one per line: the secrets no log line
/// may contain.
class fake_litmus_state {
public:
    explicit fake_litmus_state(const fake_options& opts);

    /// Records `req` (when keep_records), then decides the answer. `req.at`
    /// is "now" for token expiry.
    fake_reply handle(const recorded_request& req);

    // Token endpoint control.
    void set_token_mode(endpoint_mode m);
    void set_raw_token_response(raw_response r);
    void set_expires_in(std::optional<int> seconds);
    void set_issue_refresh_tokens(bool on);
    void set_rotate_refresh_tokens(bool on);
    void refuse_refresh(bool on);
    void set_credentials(std::string id, std::string secret);

    // API control.
    void revoke_all_tokens();
    bool revoke_token(const std::string& token);
    /// Revokes every access and refresh token issued to `login` so far;
    /// returns how many were still valid.
    std::size_t revoke_user(const std::string& login);
    /// Every access token issued to `login` so far expires now (refresh
    /// tokens stay valid); returns how many were still unexpired.
    std::size_t expire_user_tokens(const std::string& login);
    /// The login an access or refresh token was issued to; nullopt for
    /// client-credentials tokens and tokens the fake never issued.
    std::optional<std::string> login_of_token(const std::string& token) const;
    void set_api_mode(endpoint_mode m);
    void set_raw_api_response(raw_response r);
    void set_compression(compression c);
    void set_api_preamble(std::string raw);

    /// Runs f(users) under the state's lock: the users' control and reading.
    template <class F>
    auto with_users(F&& f)
    {
        std::lock_guard lock(mutex_);
        return f(users_);
    }
    template <class F>
    auto with_users(F&& f) const
    {
        std::lock_guard lock(mutex_);
        return f(static_cast<const fake_users&>(users_));
    }

    // Records.
    std::vector<recorded_request> requests() const;
    std::vector<recorded_request> token_requests() const;
    std::vector<recorded_request> authorize_requests() const;
    std::vector<recorded_request> api_requests() const;
    std::size_t request_count() const;
    std::size_t token_request_count() const;
    std::size_t api_request_count() const;
    std::vector<std::string> issued_tokens() const;
    std::vector<std::string> issued_refresh_tokens() const;
    bool wait_for_requests(std::size_t total, std::chrono::milliseconds timeout) const;
    bool wait_for_token_requests(std::size_t n, std::chrono::milliseconds timeout) const;
    bool wait_for_api_requests(std::size_t n, std::chrono::milliseconds timeout) const;
    void clear_records();

private:
    using clock = std::chrono::steady_clock;

    struct token_info {
        std::string owner;
        std::optional<clock::time_point> expires_at;
        bool revoked = false;
    };
    struct refresh_info {
        std::string owner;
        bool revoked = false;
    };

    // All private members expect mutex_ held.
    http::response<http::string_body> token_endpoint(const recorded_request& req);
    http::response<http::string_body> authorize_endpoint(const recorded_request& req);
    http::response<http::string_body> issue(const std::string& owner, clock::time_point now, bool with_refresh,
                                            std::optional<int> expires_in);
    /// What /v2/users/current reports for a token of `owner`.
    user_profile profile_of_owner(const std::string& owner) const;
    fake_reply api_endpoint(const recorded_request& req, std::string_view host_name,
                            std::string_view path);
    const token_info* valid_token(const std::string& token, clock::time_point now) const;
    fake_reply apply_mode(endpoint_mode m, const raw_response& raw) const;
    bool wait_until(std::chrono::milliseconds timeout, const std::function<bool()>& done) const;
    /// The records whose path satisfies `keep`; takes the lock itself.
    std::vector<recorded_request> records_where(const std::function<bool(std::string_view path)>& keep) const;

    mutable std::mutex mutex_;
    mutable std::condition_variable recorded_;

    std::string client_id_;
    std::string client_secret_;
    std::optional<int> expires_in_;
    bool issue_refresh_tokens_;
    bool rotate_refresh_tokens_;
    bool refuse_refresh_ = false;
    bool keep_records_;
    endpoint_mode token_mode_ = endpoint_mode::normal;
    endpoint_mode api_mode_ = endpoint_mode::normal;
    compression compression_ = compression::when_accepted;
    std::string api_preamble_;
    raw_response raw_token_;
    raw_response raw_api_;

    std::unordered_map<std::string, token_info> access_tokens_;
    std::vector<std::string> access_order_;
    std::unordered_map<std::string, refresh_info> refresh_tokens_;
    std::vector<std::string> refresh_order_;
    fake_users users_;
    /// The last few email GUIDs each token owner created (POST /v1/emails),
    /// newest last, for GET /v1/emails.
    std::unordered_map<std::string, std::deque<std::string>> emails_by_owner_;
    /// Client secrets token requests presented (accepted or not), each
    /// recorded once to LITMUS_FAKE_ISSUED_FILE.
    std::unordered_set<std::string> presented_secrets_;

    std::vector<recorded_request> records_;
    std::size_t total_count_ = 0;
    std::size_t token_count_ = 0;
    std::size_t api_count_ = 0;
};

}  // namespace litmus::fake

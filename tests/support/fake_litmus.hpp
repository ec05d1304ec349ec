#pragma once
// The fake Litmus: token endpoint, API hosts and request records behind one
// HTTPS listener on 127.0.0.1, with a CA made at start-up. Integration tests
// point the proxy at it (connect override + ca_file); the `litmus-fake`
// executable wraps it for the demo and the benchmark.
//
// Hosts are told apart by the Host header, as on the real service:
// litmus.com (POST /oauth/token), api.litmus.com (/v3/ping/authenticated,
// /v2/users/current, /v2/user_settings/clients[/configuration_url], anything
// else echoed), instant-api.litmus.com (POST /v1/emails, anything else
// echoed); /bench/bytes/<n> on all three. The API answers come in the shapes
// the Litmus documentation shows (litmus_answers.hpp), gzip-compressed when
// the request's Accept-Encoding allows it. The certificate covers those
// names, localhost and 127.0.0.1.

#include "tests/support/fake_types.hpp"

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
    void set_expires_in(std::optional<int> seconds);
    void set_issue_refresh_tokens(bool on);
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

    // --- connections ---
    /// Closes every open connection now (no TLS close_notify), like a server
    /// restart; the listener stays. Returns once they are closed.
    void drop_connections();
    std::uint64_t connections_accepted() const;
    std::size_t open_connections() const;

    // --- records (in arrival order; empty when keep_records is false) ---
    std::vector<recorded_request> requests() const;
    std::vector<recorded_request> token_requests() const;  ///< path /oauth/token
    std::vector<recorded_request> api_requests() const;    ///< every other path
    /// Counts run even when keep_records is false; clear_records() resets them.
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
    /// `client_id`, and for tokens from authorization code `code`.
    static std::int64_t user_id_for_client(std::string_view client_id);
    static std::int64_t user_id_for_code(std::string_view code);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace litmus::fake

#pragma once
// Plain types shared by the fake Litmus pieces: what a request looked like
// when it arrived, how the fake is configured, and how an endpoint misbehaves.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace litmus::fake {

/// One request as the fake received it, fully read and decoded (a chunked
/// body is stored de-chunked). Recorded before the fake answers, so a test
/// can see a request the fake then stalls on or hangs up on.
struct recorded_request {
    std::string method;  ///< "GET", "POST", …
    std::string target;  ///< request-target exactly as sent, query included
    std::string host;    ///< the Host header exactly as sent (may carry a port)
    std::string body;    ///< decoded body bytes
    std::vector<std::pair<std::string, std::string>> headers;  ///< in wire order, names as sent
    std::chrono::steady_clock::time_point at;                  ///< when the request was fully read
    std::string sni;               ///< TLS server name the client sent; "" when none
    std::uint64_t connection_id = 0;  ///< same value = same TCP connection (keep-alive reuse)

    /// The first header named `name` (case-insensitive); "" when absent.
    std::string header(std::string_view name) const;
    /// True when a header named `name` (case-insensitive) is present.
    bool has_header(std::string_view name) const;
    /// The token of an `Authorization: Bearer <token>` header (scheme matched
    /// case-insensitively, RFC 7235 §2.1); "" when absent or another scheme.
    std::string bearer_token() const;
    /// target without the query string.
    std::string path() const;
};

/// How an endpoint (the token endpoint, or all the API hosts) answers.
enum class endpoint_mode {
    normal,    ///< behave like Litmus
    fail_500,  ///< 500 {"error":"server_error"} to every request
    close,     ///< read the request, then close the TCP connection without a byte of answer
    stall,     ///< read the request, then never answer (held until the fake is destroyed
               ///< or drop_connections() is called)
    raw,       ///< answer the configured raw response (status, content type, body)
    reset,     ///< read the request, then abort the connection with a TCP RST
    /// read the request and decide the normal answer (tokens are issued at
    /// that moment), but send it only when release_held() is called: lets a
    /// test pile up concurrent callers behind one slow fetch deterministically.
    hold,
    /// the normal answer, its header at once, then its body one byte every
    /// 5 ms: a server that is alive but hopelessly slow (per-read timeouts
    /// never fire).
    drip,
};

/// Whether the API hosts gzip their 2xx JSON answers.
enum class compression {
    off,            ///< never
    when_accepted,  ///< when the request's Accept-Encoding names gzip, as real servers do (the default)
    always,         ///< whatever the request accepts (a misbehaving server)
};

/// What the fake did with one request; passed to fake_options::on_request.
struct served_request {
    const recorded_request& request;
    unsigned status;         ///< HTTP status sent; 0 when nothing was sent
    std::string_view outcome;  ///< "answered", "held", "dripped", "closed", "reset" or "stalled"
};

struct fake_options {
    std::string listen_host = "127.0.0.1";  ///< IP literal to bind
    std::uint16_t port = 0;                 ///< 0: pick a free port, read it back with port()
    std::string client_id = "test-client";
    std::string client_secret = "test-secret";
    /// Lifetime of new access tokens in seconds (steady clock); nullopt: the
    /// response omits expires_in and tokens never expire. 0 makes tokens that
    /// are expired on arrival.
    std::optional<int> expires_in = 7200;
    bool issue_refresh_tokens = false;
    /// When a refresh_token grant succeeds: true invalidates the old refresh
    /// token and returns a new one; false keeps the old one valid and omits
    /// refresh_token from the response (RFC 6749 §6 allows both).
    bool rotate_refresh_tokens = true;
    /// false: keep counting requests but store no records (long benchmark
    /// runs would otherwise grow without bound). requests() is then empty.
    bool keep_records = true;
    /// Called on the fake's server thread for every request it decided on,
    /// after recording and before answering. Must be quick and must not call
    /// back into blocking fake_litmus members (drop_connections()).
    std::function<void(const served_request&)> on_request;
};

}  // namespace litmus::fake

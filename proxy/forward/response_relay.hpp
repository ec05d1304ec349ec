#pragma once
// Streams an upstream response to the client, chunk by chunk, the way Beast's
// relay example does: the header (hop-by-hop fields removed) and the first
// body bytes go out in one write, and no response is ever held whole.

#include "proxy/core/deadline_stream.hpp"
#include "proxy/core/net.hpp"
#include "proxy/upstream/upstream_connection.hpp"

namespace litmus::forward {

struct relay_result {
    bool upstream_complete = false;   ///< the whole response was read
    bool downstream_started = false;  ///< some of it was written to the client
    bool downstream_complete = false; ///< ... and all of it
    bool upstream_keep_alive = false; ///< the upstream connection may be pooled
    bool downstream_keep_alive = false;
    bool upstream_timed_out = false;  ///< a read hit its timeout or the response deadline
    std::uint64_t body_bytes_sent = 0;  ///< response body bytes written to the client
};

struct relay_options {
    unsigned client_version = 11;
    bool client_keep_alive = true;
    std::chrono::milliseconds upstream_read_timeout{60'000};  ///< each read
    /// The whole response must have arrived by then (upstream.response_deadline).
    std::chrono::steady_clock::time_point upstream_deadline = std::chrono::steady_clock::time_point::max();
    std::chrono::milliseconds downstream_write_timeout{60'000};
    /// Set as the response's X-Request-Id, replacing the upstream's.
    std::string_view request_id;
};

/// `parser` has read the response header from `conn`. Not thread-safe.
/// Cancellation: both streams' operations fail; the result says how far it got.
net::awaitable<relay_result> relay_response(client_stream& downstream, upstream::upstream_connection& conn,
                                            http::response_parser<http::buffer_body>& parser,
                                            const relay_options& opt);

/// Like relay_response(), for a response that must be scrubbed of `secret`
/// (see token_redaction.hpp): read whole (at most max_redacted_body), every
/// occurrence of `secret` replaced, then written with a fresh Content-Length.
/// A larger body fails the relay before anything is written.
net::awaitable<relay_result> relay_redacted_response(client_stream& downstream,
                                                     upstream::upstream_connection& conn,
                                                     http::response_parser<http::buffer_body>& parser,
                                                     const relay_options& opt, std::string_view secret);

}  // namespace litmus::forward

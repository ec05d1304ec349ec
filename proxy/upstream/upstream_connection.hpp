#pragma once
// One TLS connection to an upstream, and how to open it.

#include "proxy/core/error.hpp"
#include "proxy/core/gauge_hold.hpp"
#include "proxy/core/net.hpp"
#include "proxy/upstream/tls_session_slot.hpp"
#include "proxy/upstream/tls_stream.hpp"
#include "proxy/upstream/upstream_target.hpp"

#include <boost/system/result.hpp>
#include <prometheus/counter.h>

#include <array>
#include <optional>
#include <string>

namespace litmus::upstream {

/// An open, verified TLS connection plus its read buffer, which must outlive
/// each response because a read may take bytes past the message's end.
/// Not thread-safe: used by one request at a time.
struct upstream_connection {
    explicit upstream_connection(net::any_io_executor ex, ssl::context& ctx) : stream(ex, ctx) {}

    tls_stream stream;
    beast::flat_buffer buffer;
    /// The header being written by the exchange that holds the connection,
    /// the request's upstream or the response's to the client: kept here so
    /// that its capacity is reused from request to request.
    std::string header_bytes;
    /// Body bytes in transit between a read and a write of that exchange
    /// (either direction), here rather than in the relay's coroutine frame:
    /// a frame that large is allocated anew for every message.
    std::array<char, 16 * 1024> relay_chunk;
    /// The parser of the response being read on the connection, here for
    /// the same reason: in the forwarding coroutine's frame it made that
    /// frame too large for Asio to recycle. Emplaced for each message, reset
    /// once the response has been relayed.
    std::optional<http::response_parser<http::buffer_body>> response;
    std::chrono::steady_clock::time_point idle_since{};
    /// The resolver, connect or handshake error behind open_upstream()'s
    /// errc, for a diagnosis more precise than the errc ("Connection refused").
    error_code open_error{};
    /// The pool's "open connections" unit, given back when the connection
    /// is closed or destroyed; empty for connections no pool counts.
    gauge_hold open;
};

/// TLS handshakes by result, as connect_upstream counts them (a pool passes
/// its upstream's pair; the token client counts none).
struct tls_handshake_counters {
    prometheus::Counter& ok;
    prometheus::Counter& failed;   ///< includes certificate and host name verification failures
    prometheus::Counter& resumed;  ///< of the ok ones, those that resumed an earlier session
};

/// Resolves (unless `connect_host` is an IP literal), connects and performs
/// the TLS handshake with SNI and host name verification against
/// `target.host`, all within `timeout`. Errors: upstream_connect_timeout,
/// upstream_connect_failed, upstream_tls_handshake (a failed certificate
/// check lands here: nothing has been sent). Cancellation: closes the socket
/// and completes with operation_aborted. Each handshake attempted is counted
/// in `handshakes` when given. With `session`, the upstream's last session is
/// offered for resumption and the sessions it issues are kept there.
net::awaitable<boost::system::result<std::unique_ptr<upstream_connection>, errc>>
connect_upstream(ssl::context& ctx, const upstream_target& target, std::chrono::milliseconds timeout,
                 const tls_handshake_counters* handshakes = nullptr, tls_session_slot* session = nullptr);

/// connect_upstream() on a connection the caller owns (made with the same
/// executor and context), so that a failed handshake can still be inspected:
/// SSL_get_verify_result() on conn.stream says why a certificate was refused.
net::awaitable<boost::system::result<void, errc>>
open_upstream(upstream_connection& conn, const upstream_target& target, std::chrono::milliseconds timeout,
              const tls_handshake_counters* handshakes = nullptr, tls_session_slot* session = nullptr);

/// Closes the socket at once (no TLS close_notify exchange).
void close_connection(upstream_connection& c) noexcept;

}  // namespace litmus::upstream

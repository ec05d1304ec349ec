#pragma once
// The latest TLS session an upstream gave us, offered again when a new
// connection to it opens: a resumed TLS 1.3 handshake skips the server's
// certificate chain, its signature and our verification of both, which are
// most of a full handshake's CPU on either side. A new connection is opened
// at start, after a 401 (the connection is closed), after a stale pooled
// connection, and whenever the pool is short.

#include "proxy/core/net.hpp"

#include <openssl/ssl.h>

namespace litmus::upstream {

/// One upstream's session. Not thread-safe: the proxy's one io_context
/// thread. Must outlive every connection it was attached to (the pool owns
/// it and its connections).
class tls_session_slot {
public:
    tls_session_slot() = default;
    tls_session_slot(const tls_session_slot&) = delete;
    tls_session_slot& operator=(const tls_session_slot&) = delete;
    ~tls_session_slot();

    /// Makes `ctx` hand the sessions servers issue to the slot of the
    /// connection that received them (a client cache without OpenSSL's
    /// internal store). Idempotent; call before connections are made.
    static void enable_on(ssl::context& ctx);

    /// Before the handshake of `ssl`: offer the held session, if any, and
    /// receive the sessions this connection's server issues.
    void attach(SSL* ssl);

private:
    static int on_new_session(SSL* ssl, SSL_SESSION* session);
    SSL_SESSION* session_ = nullptr;
};

}  // namespace litmus::upstream

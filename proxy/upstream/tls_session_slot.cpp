#include "proxy/upstream/tls_session_slot.hpp"

namespace litmus::upstream {

namespace {

// Where a connection's SSL object points at the slot of its upstream.
int slot_index()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

}  // namespace

tls_session_slot::~tls_session_slot()
{
    SSL_SESSION_free(session_);
}

void tls_session_slot::enable_on(ssl::context& ctx)
{
    auto* native = ctx.native_handle();
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(native, &tls_session_slot::on_new_session);
}

void tls_session_slot::attach(SSL* ssl)
{
    SSL_set_ex_data(ssl, slot_index(), this);
    // A session that can no longer be resumed (expired, another host) is
    // simply not resumed: the handshake is then a full one.
    if (session_)
        SSL_set_session(ssl, session_);
}

int tls_session_slot::on_new_session(SSL* ssl, SSL_SESSION* session)
{
    auto* slot = static_cast<tls_session_slot*>(SSL_get_ex_data(ssl, slot_index()));
    if (!slot)
        return 0;
    // A copy: OpenSSL marks the connection's own session not resumable when
    // the connection is freed without a TLS shutdown, which is how the pool
    // closes connections.
    if (auto* copy = SSL_SESSION_dup(session)) {
        SSL_SESSION_free(slot->session_);
        slot->session_ = copy;
    }
    return 0;  // OpenSSL keeps (and frees) its own reference
}

}  // namespace litmus::upstream

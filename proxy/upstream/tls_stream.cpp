#include "proxy/upstream/tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <new>

namespace litmus::upstream {

namespace {

// The largest TLS record: 16 KiB of payload plus header, padding and tag
// (RFC 8446 5.2 bounds the ciphertext at 2^14 + 256), with room for the next
// record's header.
constexpr std::size_t input_capacity = 16 * 1024 + 256 + 5 + 512;

// SSL_get_error() reads the thread's error queue, which must be empty before
// each SSL call. ERR_clear_error() empties all 16 slots whatever they hold
// (callgrind: 840 instructions a call, 3 calls a request); a look costs a
// fifth of that, and the queue is nearly always empty already.
void empty_error_queue()
{
    if (ERR_peek_error() != 0)
        ERR_clear_error();
}

}  // namespace

/// The BIO between OpenSSL and a tls_stream's buffers: reads take from the
/// input buffer (retry when it is empty: the stream then reads the
/// transport), writes append to the output buffer (never a retry: the stream
/// writes it out after each OpenSSL call).
struct tls_stream_bio {
    static tls_stream& stream_of(BIO* bio) { return *static_cast<tls_stream*>(BIO_get_data(bio)); }

    static int read(BIO* bio, char* data, std::size_t size, std::size_t* read_bytes)
    {
        auto& s = stream_of(bio);
        BIO_clear_retry_flags(bio);
        *read_bytes = 0;
        if (const std::size_t n = std::min(size, s.in_end_ - s.in_begin_); n > 0) {
            std::memcpy(data, s.in_.get() + s.in_begin_, n);
            s.in_begin_ += n;
            *read_bytes = n;
            return 1;
        }
        // A large body: the kernel copies straight into OpenSSL's buffer,
        // one copy fewer than through ours. Never blocks; with nothing there
        // (or the end), the stream's transport read waits, as it always does.
        if (s.socket_has_more_) {
            const ssize_t n = ::recv(s.next_.socket().native_handle(), data, size, MSG_DONTWAIT);
            if (n > 0) {
                *read_bytes = static_cast<std::size_t>(n);
                return 1;
            }
            s.socket_has_more_ = false;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                s.socket_error_ = error_code(errno, boost::system::system_category());
        }
        BIO_set_retry_read(bio);
        return 0;
    }

    static int write(BIO* bio, const char* data, std::size_t size, std::size_t* written)
    {
        BIO_clear_retry_flags(bio);
        stream_of(bio).out_.append(data, size);
        *written = size;
        return 1;
    }

    static long control(BIO*, int command, long, void*)
    {
        // Flushing is the stream's job (after each call); nothing else is
        // supported, as for any BIO that answers 0.
        return command == BIO_CTRL_FLUSH ? 1 : 0;
    }

    static int create(BIO* bio)
    {
        BIO_set_init(bio, 1);
        return 1;
    }

    /// Made once, for the process's life (OpenSSL has no static BIO_METHOD).
    static const BIO_METHOD* method()
    {
        static const BIO_METHOD* const m = [] {
            BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "litmus tls_stream");
            if (!made || !BIO_meth_set_read_ex(made, read) || !BIO_meth_set_write_ex(made, write) ||
                !BIO_meth_set_ctrl(made, control) || !BIO_meth_set_create(made, create))
                throw std::bad_alloc();
            return made;
        }();
        return m;
    }
};

tls_stream::tls_stream(net::any_io_executor ex, ssl::context& ctx)
    : next_(std::move(ex)), ssl_(SSL_new(ctx.native_handle())), in_(new char[input_capacity])
{
    if (!ssl_)
        throw std::bad_alloc();
    BIO* bio = BIO_new(tls_stream_bio::method());
    if (!bio)
        throw std::bad_alloc();
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_.get(), bio, bio);  // one reference, owned by the SSL
    SSL_set_connect_state(ssl_.get());
    // Not SSL_MODE_ENABLE_PARTIAL_WRITE: the BIO takes every record, so a
    // write encrypts all it is given in one call. Buffers released while
    // idle, as Asio's engine does: pooled connections wait mostly idle.
    SSL_set_mode(ssl_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    // OpenSSL asks its BIO for as much as its buffer holds, not a record's
    // header and then its body: one recv per buffer, not two per record.
    SSL_set_read_ahead(ssl_.get(), 1);
}

tls_stream::~tls_stream() = default;

tls_stream::need tls_stream::handshake(error_code& ec)
{
    empty_error_queue();
    return result_of(SSL_do_handshake(ssl_.get()), ec);
}

tls_stream::need tls_stream::read(net::mutable_buffer b, std::size_t& n, error_code& ec)
{
    if (b.size() == 0)
        return need::nothing;
    empty_error_queue();
    return result_of(SSL_read_ex(ssl_.get(), b.data(), b.size(), &n), ec);
}

tls_stream::need tls_stream::write(net::const_buffer b, std::size_t& n, error_code& ec)
{
    empty_error_queue();
    return result_of(SSL_write_ex(ssl_.get(), b.data(), b.size(), &n), ec);
}

void tls_stream::send_output_now(error_code& ec)
{
    const auto sent = next_.write_some_now(net::buffer(out_), ec);
    if (sent == out_.size())
        out_.clear();
    else
        out_.erase(0, sent);  // rare: a full socket buffer
}

// As Asio's engine maps them, so that callers see the errors ssl::stream gave.
tls_stream::need tls_stream::result_of(int ret, error_code& ec)
{
    if (ret == 1)
        return need::nothing;
    switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
        return need::input;
    case SSL_ERROR_ZERO_RETURN:
        ec = net::error::eof;
        return need::nothing;
    case SSL_ERROR_SYSCALL:
    case SSL_ERROR_SSL:
        if (auto e = ERR_get_error())
            ec = error_code(static_cast<int>(e), net::error::get_ssl_category());
        else
            ec = ssl::error::unspecified_system_error;
        ERR_clear_error();
        return need::nothing;
    default:
        // WANT_WRITE cannot happen (the BIO takes every write), nor the
        // others (no async engines, no certificate callbacks).
        ec = ssl::error::unexpected_result;
        return need::nothing;
    }
}

error_code tls_stream::transport_error(error_code ec) const
{
    if (ec == net::error::eof && (SSL_get_shutdown(ssl_.get()) & SSL_RECEIVED_SHUTDOWN) == 0)
        return ssl::error::stream_truncated;
    return ec;
}

void tls_stream::received(std::size_t n)
{
    in_end_ = n;
    // Not only a full buffer: a large read that happened to catch the
    // sender mid-body (timing) sent the rest through our buffer, a copy
    // more per byte. A small read (a header, a short body) makes no
    // speculative recv that would only find EAGAIN.
    socket_has_more_ = n >= input_capacity / 4;
}

net::mutable_buffer tls_stream::input_space()
{
    // OpenSSL asks for input only after the BIO said "retry", which it says
    // only once the buffer is empty: the whole buffer is free.
    assert(in_begin_ == in_end_);
    in_begin_ = in_end_ = 0;
    return net::buffer(in_.get(), input_capacity);
}

}  // namespace litmus::upstream

#pragma once
// The client TLS stream of the upstream connections: OpenSSL over a TCP
// deadline_stream, with a BIO of its own between them.
//
// Why not ssl::stream<beast::tcp_stream>: Asio's TLS engine passes every
// byte through a memory BIO pair, which costs two copies of it besides
// OpenSSL's own (into the pair, and out of it into OpenSSL's record buffer),
// and each SSL call several BIO_ctrl round trips. Callgrind, 64 KiB
// responses: 127k of the proxy's 516k instructions per request were those
// two copies (nginx, whose OpenSSL reads the socket itself: 7.5k of memcpy
// in all). Here OpenSSL reads the ciphertext from the buffer the socket read
// into, and writes it into the buffer the socket writes from.
//
// The transport's deadline (expires_after on next_layer(), or
// beast::get_lowest_layer) and the cancellation of its operations apply to
// the TLS operations unchanged, as they did with ssl::stream over
// beast::tcp_stream. Errors are the ones ssl::stream gives, so that
// callers need not tell the two apart: OpenSSL's in net::error::ssl_category,
// net::error::eof after the peer's close_notify, ssl::error::stream_truncated
// when the connection ends without one.
//
// One operation of each direction at a time, as for any Asio stream; not
// thread-safe. Not movable: OpenSSL's BIO points at it.

#include "proxy/core/deadline_stream.hpp"
#include "proxy/core/net.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace litmus::upstream {

class tls_stream {
public:
    using next_layer_type = deadline_stream<tcp>;
    using executor_type = next_layer_type::executor_type;

    /// A client stream (SNI, host name checks: set on native_handle() before
    /// the handshake).
    tls_stream(net::any_io_executor ex, ssl::context& ctx);
    ~tls_stream();
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;

    executor_type get_executor() noexcept { return next_.get_executor(); }
    next_layer_type& next_layer() noexcept { return next_; }
    SSL* native_handle() const noexcept { return ssl_.get(); }

    /// Completes with (error_code).
    template <class Token>
    auto async_handshake(Token&& token)
    {
        return net::async_compose<Token, void(error_code)>(
            io_op<handshake_attempt, false>(*this, handshake_attempt{}), token, next_);
    }

    /// Reads into the first non-empty buffer: completes with (error_code, bytes).
    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token)
    {
        return net::async_compose<Token, void(error_code, std::size_t)>(
            io_op<read_attempt, true>(*this, read_attempt{first_of(buffers)}), token, next_);
    }

    /// Writes the buffers, up to write_limit bytes of them, as TLS records in
    /// one transport write: completes with (error_code, bytes).
    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token)
    {
        return net::async_compose<Token, void(error_code, std::size_t)>(
            io_op<write_attempt<ConstBufferSequence>, true>(*this, write_attempt<ConstBufferSequence>{buffers}),
            token, next_);
    }

    /// Plaintext taken by one async_write_some at most, and so the most
    /// ciphertext held for one transport write.
    static constexpr std::size_t write_limit = 64 * 1024;

    /// Encrypts the buffers (up to write_limit bytes) and writes the records
    /// to the transport if it takes them without waiting (see
    /// deadline_stream::write_some_now): the plaintext bytes taken. What the
    /// transport did not take waits in output_pending() for the next
    /// async_write_some or async_flush, which send it first. Takes nothing
    /// while output is pending, and stops early (the rest for
    /// async_write_some) when OpenSSL needs input first. Errors: OpenSSL's,
    /// the transport's.
    template <class ConstBufferSequence>
    std::size_t write_some_now(const ConstBufferSequence& buffers, error_code& ec)
    {
        ec = {};
        std::size_t n = 0;
        if (!out_.empty())
            return 0;
        write_attempt<ConstBufferSequence>{buffers}(*this, n, ec);
        if (!out_.empty()) {
            // After a failed call too: it may have left an alert to send.
            error_code sent;
            send_output_now(sent);
            if (!ec)
                ec = sent;
        }
        return ec ? 0 : n;
    }

    /// Ciphertext taken by write_some_now and not yet written.
    bool output_pending() const noexcept { return !out_.empty(); }

    /// Writes the pending output: completes with (error_code).
    template <class Token>
    auto async_flush(Token&& token)
    {
        return net::async_compose<Token, void(error_code)>(io_op<flush_attempt, false>(*this, flush_attempt{}),
                                                           token, next_);
    }

private:
    /// What an OpenSSL call needs before it is called again.
    enum class need { nothing, input };

    // One OpenSSL call each. The ciphertext it produced is in out_, for the
    // operation to write before anything else; an error is left in `ec`.
    need handshake(error_code& ec);
    need read(net::mutable_buffer b, std::size_t& n, error_code& ec);
    need write(net::const_buffer b, std::size_t& n, error_code& ec);
    need result_of(int ret, error_code& ec);
    /// Writes what the transport takes of out_ now, keeping the rest.
    void send_output_now(error_code& ec);
    /// The error for a failed transport read: a clean EOF is eof only after
    /// the peer's close_notify, stream_truncated otherwise.
    error_code transport_error(error_code ec) const;
    /// Where the next transport read goes: the whole input buffer.
    net::mutable_buffer input_space();
    /// Accounts for the `n` bytes read into input_space().
    void received(std::size_t n);

    struct handshake_attempt {
        need operator()(tls_stream& s, std::size_t&, error_code& ec) const { return s.handshake(ec); }
    };
    struct flush_attempt {
        need operator()(tls_stream&, std::size_t&, error_code&) const { return need::nothing; }
    };
    struct read_attempt {
        net::mutable_buffer buffer;
        need operator()(tls_stream& s, std::size_t& n, error_code& ec) const { return s.read(buffer, n, ec); }
    };
    template <class ConstBufferSequence>
    struct write_attempt {
        ConstBufferSequence buffers;
        // Each buffer its own record(s), all in one transport write, up to
        // write_limit bytes. `n` counts what this operation wrote already
        // (an OpenSSL call that needed input is called again).
        need operator()(tls_stream& s, std::size_t& n, error_code& ec) const
        {
            std::size_t skip = n;
            for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
                net::const_buffer b = *it;
                if (skip >= b.size()) {
                    skip -= b.size();
                    continue;
                }
                b += skip;
                skip = 0;
                if (n == write_limit)
                    break;
                b = net::buffer(b.data(), std::min(b.size(), write_limit - n));
                std::size_t written = 0;
                auto needs = s.write(b, written, ec);
                n += written;
                if (needs == need::input || ec)
                    return needs;
            }
            return need::nothing;
        }
    };

    template <class MutableBufferSequence>
    static net::mutable_buffer first_of(const MutableBufferSequence& buffers)
    {
        for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it)
            if (net::mutable_buffer b = *it; b.size() > 0)
                return b;
        return {};
    }

    /// One TLS operation: the OpenSSL call, then whatever it needs (its
    /// output written, more input read), until it is done. A result known
    /// without any transport operation is posted, never delivered from inside
    /// the initiating function.
    template <class Attempt, bool Sized>
    class io_op {
    public:
        io_op(tls_stream& s, Attempt attempt) : s_(s), attempt_(std::move(attempt)) {}

        template <class Self>
        void operator()(Self& self)
        {
            run(self, false);
        }

        template <class Self>
        void operator()(Self& self, error_code ec, std::size_t transferred)
        {
            switch (waiting_) {
            case waiting::output:
                s_.out_.clear();
                if (ec)
                    return finish(self, ec);
                if (done_)
                    return finish(self, result_);
                return run(self, true);
            case waiting::input:
                if (ec)
                    return finish(self, s_.transport_error(ec));
                s_.received(transferred);
                return run(self, true);
            case waiting::post:
                return finish(self, result_);
            }
        }

    private:
        enum class waiting { output, input, post };

        template <class Self>
        void run(Self& self, bool continuation)
        {
            done_ = attempt_(s_, n_, result_) == need::nothing || result_;
            if (!done_ && s_.socket_error_) {
                // The BIO's own read of the socket failed: that is the result.
                result_ = std::exchange(s_.socket_error_, {});
                done_ = true;
            }
            if (!s_.out_.empty()) {
                // An alert that ends a failed operation goes out too.
                waiting_ = waiting::output;
                net::async_write(s_.next_, net::buffer(s_.out_), std::move(self));
            } else if (!done_) {
                waiting_ = waiting::input;
                s_.next_.async_read_some(s_.input_space(), std::move(self));
            } else if (!continuation) {
                waiting_ = waiting::post;
                net::post(s_.get_executor(), net::append(std::move(self), error_code{}, std::size_t{0}));
            } else {
                finish(self, result_);
            }
        }

        template <class Self>
        void finish(Self& self, error_code ec)
        {
            if constexpr (Sized)
                self.complete(ec, ec ? std::size_t{0} : n_);
            else
                self.complete(ec);
        }

        tls_stream& s_;
        Attempt attempt_;
        std::size_t n_ = 0;
        error_code result_;
        bool done_ = false;
        waiting waiting_ = waiting::post;
    };

    struct ssl_deleter {
        void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
    };
    friend struct tls_stream_bio;

    deadline_stream<tcp> next_;
    std::unique_ptr<SSL, ssl_deleter> ssl_;
    /// Ciphertext read from the transport, [in_begin_, in_end_) not yet
    /// consumed by OpenSSL. Room for the largest TLS record.
    std::unique_ptr<char[]> in_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    /// The last transport read was large (a quarter of the input buffer or
    /// more: a body, not a response header), so the socket likely holds
    /// more: the BIO then reads it straight into OpenSSL's buffer.
    bool socket_has_more_ = false;
    /// What such a read failed with (not EAGAIN): the operation's result.
    error_code socket_error_;
    /// Ciphertext OpenSSL produced, to be written; its capacity is reused.
    std::string out_;
};

}  // namespace litmus::upstream

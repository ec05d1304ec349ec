#pragma once
// A stream socket whose reads, writes and connects share one deadline, with
// beast::basic_stream's interface and meaning (expires_after / expires_at /
// expires_never; an operation outstanding when the deadline passes closes
// the socket and completes with beast::error::timeout), at a fraction of its
// cost.
//
// Why not beast::basic_stream: it starts a timer wait for every operation and
// cancels it when the operation completes, so each read or write also
// inserts into and removes from the timer heap and runs a cancelled wait
// handler through the scheduler (about 4,000 instructions of a 200-byte
// request's 67,000, callgrind). Here the timer is lazy: it is set only when
// the deadline moves earlier than the time it already waits for. Deadlines
// that move later (each request's timeouts start later than the last ones)
// cost nothing until the wait fires; it then finds the deadline moved and,
// if an operation is outstanding, waits again: once per timeout period
// rather than once per operation.

#include "proxy/core/net.hpp"

#include <boost/asio/associator.hpp>
#include <boost/asio/connect.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <memory>
#include <utility>

namespace litmus {

namespace detail {

/// What a deadline_stream's operations and its timer's wait share: held by
/// each of them, so that a stream destroyed with either outstanding leaves
/// their completions something valid to touch.
template <class Protocol>
struct deadline_state {
    using clock = std::chrono::steady_clock;

    explicit deadline_state(net::basic_stream_socket<Protocol, net::any_io_executor> s)
        : socket(std::move(s)), timer(socket.get_executor())
    {
    }

    net::basic_stream_socket<Protocol, net::any_io_executor> socket;
    net::steady_timer timer;
    clock::time_point deadline = clock::time_point::max();
    /// When the pending wait fires; max(): no wait is pending.
    clock::time_point armed = clock::time_point::max();
    /// Tells the current wait from one superseded by expires_at().
    unsigned wait_generation = 0;
    unsigned outstanding = 0;
    /// The deadline passed with nothing outstanding and has not been set
    /// again: the next operation times out.
    bool deadline_passed = false;
    /// The deadline closed the socket: what its operations failed with is a
    /// timeout.
    bool timed_out = false;

    void time_out()
    {
        timed_out = true;
        error_code ignored;
        socket.close(ignored);
    }
};

/// The caller's handler, completed through the socket operation: the error
/// becomes beast::error::timeout when the deadline ended the operation.
/// Everything associated with the caller's handler (executor, allocator,
/// cancellation slot) is the socket operation's too, so per-operation
/// cancellation works as on the bare socket.
template <class Protocol, class Handler>
struct deadline_handler {
    std::shared_ptr<deadline_state<Protocol>> state;
    Handler handler;

    template <class... Args>
    void operator()(error_code ec, Args&&... args)
    {
        --state->outstanding;
        if (ec && state->timed_out)
            ec = beast::error::timeout;
        state.reset();
        std::move(handler)(ec, std::forward<Args>(args)...);
    }
};

}  // namespace detail

/// Not thread-safe: one strand or thread, as for a socket.
template <class Protocol>
class deadline_stream {
public:
    using clock = std::chrono::steady_clock;
    using protocol_type = Protocol;
    using socket_type = net::basic_stream_socket<Protocol, net::any_io_executor>;
    using executor_type = net::any_io_executor;

    explicit deadline_stream(socket_type socket)
        : state_(std::make_shared<detail::deadline_state<Protocol>>(std::move(socket)))
    {
    }
    explicit deadline_stream(const executor_type& ex) : deadline_stream(socket_type(ex)) {}

    /// Closes the socket; a pending timer wait ends at once.
    ~deadline_stream()
    {
        if (!state_)
            return;
        error_code ignored;
        state_->socket.close(ignored);
        state_->timer.cancel();
    }
    deadline_stream(deadline_stream&&) noexcept = default;
    deadline_stream(const deadline_stream&) = delete;
    deadline_stream& operator=(const deadline_stream&) = delete;
    deadline_stream& operator=(deadline_stream&&) = delete;

    executor_type get_executor() noexcept { return state_->socket.get_executor(); }
    socket_type& socket() noexcept { return state_->socket; }
    const socket_type& socket() const noexcept { return state_->socket; }

    /// The deadline of the operations outstanding and to come, until set
    /// again. Passed with nothing outstanding, the next operation times out.
    void expires_after(clock::duration d) { expires_at(clock::now() + d); }
    void expires_at(clock::time_point t)
    {
        state_->deadline = t;
        state_->deadline_passed = false;
        if (state_->outstanding > 0)
            arm(state_);  // an earlier deadline applies to what is already waiting
    }
    void expires_never() noexcept
    {
        state_->deadline = clock::time_point::max();
        state_->deadline_passed = false;
    }

    /// Closes the socket: outstanding operations complete with
    /// operation_aborted.
    void close()
    {
        error_code ignored;
        state_->socket.close(ignored);
    }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token)
    {
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const MutableBufferSequence& b) {
                state_->socket.async_read_some(b, track(std::move(handler)));
            },
            token, buffers);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token)
    {
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                state_->socket.async_write_some(b, track(std::move(handler)));
            },
            token, buffers);
    }

    /// Writes what the socket takes without waiting, as one non-blocking
    /// sendmsg of (up to 16 of) the buffers: the bytes written, 0 when it
    /// would block. Most writes of a proxy are taken whole at once; this
    /// spares them an asynchronous operation, whose completion goes through
    /// the scheduler (see write_all.hpp). Not while an async_write_some is
    /// outstanding. A deadline already passed writes nothing and leaves the
    /// timeout to the asynchronous write that follows.
    template <class ConstBufferSequence>
    std::size_t write_some_now(const ConstBufferSequence& buffers, error_code& ec)
    {
        ec = {};
        if (state_->deadline_passed)
            return 0;
        std::array<iovec, 16> iov;
        std::size_t count = 0;
        for (auto it = net::buffer_sequence_begin(buffers);
             it != net::buffer_sequence_end(buffers) && count < iov.size(); ++it) {
            net::const_buffer b = *it;
            if (b.size() > 0)
                iov[count++] = {const_cast<void*>(b.data()), b.size()};
        }
        if (count == 0)
            return 0;
        msghdr message{};
        message.msg_iov = iov.data();
        message.msg_iovlen = count;
        const ssize_t n = ::sendmsg(state_->socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0)
            return static_cast<std::size_t>(n);
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            ec = error_code(errno, boost::system::system_category());
        return 0;
    }

    /// Connects to the first of `endpoints` that accepts (net::async_connect),
    /// within the deadline. Completes with the endpoint connected to.
    template <class EndpointSequence, class Token>
    auto async_connect(const EndpointSequence& endpoints, Token&& token)
    {
        return net::async_initiate<Token, void(error_code, typename Protocol::endpoint)>(
            [this](auto handler, const EndpointSequence& e) {
                state_->timed_out = false;  // a new socket
                net::async_connect(state_->socket, e, track(std::move(handler)));
            },
            token, endpoints);
    }

    /// Connects to `endpoint` within the deadline.
    template <class Token>
    auto async_connect(const typename Protocol::endpoint& endpoint, Token&& token)
    {
        return net::async_initiate<Token, void(error_code)>(
            [this](auto handler, const typename Protocol::endpoint& e) {
                state_->timed_out = false;
                state_->socket.async_connect(e, track(std::move(handler)));
            },
            token, endpoint);
    }

private:
    using state_type = detail::deadline_state<Protocol>;

    // An operation is starting: it is counted and the deadline watched. Past
    // its deadline, the socket is closed first, and the operation fails (as
    // any on a closed socket: never inside this call) with timeout.
    template <class Handler>
    detail::deadline_handler<Protocol, Handler> track(Handler handler)
    {
        ++state_->outstanding;
        if (state_->deadline_passed)
            state_->time_out();
        else
            arm(state_);
        return {state_, std::move(handler)};
    }

    // Waits for the deadline unless a wait already fires at or before it.
    static void arm(const std::shared_ptr<state_type>& s)
    {
        if (s->deadline == clock::time_point::max() || s->armed <= s->deadline)
            return;
        s->armed = s->deadline;
        s->timer.expires_at(s->deadline);  // a later wait still pending ends as superseded
        s->timer.async_wait([s, generation = ++s->wait_generation](const error_code&) {
            if (generation != s->wait_generation)
                return;  // superseded by a wait for an earlier deadline
            s->armed = clock::time_point::max();
            if (!s->socket.is_open() || s->deadline == clock::time_point::max())
                return;
            if (clock::now() < s->deadline) {
                // The deadline moved later while we waited. With nothing
                // outstanding, the next operation arms it: an idle pooled
                // connection keeps no wait.
                if (s->outstanding > 0)
                    arm(s);
                return;
            }
            if (s->outstanding == 0) {
                // Not closed yet: the deadline may still be set again first
                // (a session between a write and its next request).
                s->deadline_passed = true;
                return;
            }
            s->time_out();
        });
    }

    std::shared_ptr<state_type> state_;
};

}  // namespace litmus

/// Everything associated with the caller's handler is the wrapper's.
template <template <class, class> class Associator, class Protocol, class Handler, class DefaultCandidate>
struct boost::asio::associator<Associator, litmus::detail::deadline_handler<Protocol, Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(const litmus::detail::deadline_handler<Protocol, Handler>& h) noexcept
    {
        return Associator<Handler, DefaultCandidate>::get(h.handler);
    }
    static auto get(const litmus::detail::deadline_handler<Protocol, Handler>& h, const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c))
    {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};

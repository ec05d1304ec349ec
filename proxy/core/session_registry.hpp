#pragma once
// The live client connections, so that a drain can close the idle ones at
// once, let the busy ones finish their request, cut whatever is left at the
// drain deadline, and report when the last session frame has ended.

#include "proxy/core/net.hpp"

#include <functional>
#include <list>

namespace litmus {

/// Not thread-safe: the proxy's single io_context thread.
class session_registry {
public:
    struct entry {
        /// Bound to the session coroutine's cancellation slot: emitting it
        /// fails whatever the session awaits (client, upstream or token).
        net::cancellation_signal cancel;
        /// Closes the session's socket; true when it was open. Set while
        /// the session frame lives.
        std::function<bool()> close_socket;
        bool idle = true;   ///< between requests: safe to close on drain
        bool ended = false; ///< the session coroutine has completed
    };
    using handle = std::list<entry>::iterator;

    /// A new entry for a session about to be spawned.
    handle add();

    /// The session coroutine has completed (its completion handler runs
    /// after the frame is gone). Calls the when_empty() callback after the last one.
    void ended(handle h);

    std::size_t live() const noexcept { return live_; }

    /// Closes every idle connection; busy ones close after their response.
    void close_idle();

    /// Closes the longest-registered idle connection that is still open;
    /// false when there is none. Its session ends on its own.
    bool close_oldest_idle();

    /// Cancels every live session and closes its connection (drain deadline).
    void cut_all();

    /// Calls `f` once, when no session is live (at once if none is).
    void when_empty(std::function<void()> f);

private:
    std::list<entry> entries_;
    std::size_t live_ = 0;
    std::function<void()> on_empty_;
};

/// Keeps a session's registry entry current for as long as its frame lives.
/// `Stream` has socket(): beast::tcp_stream for the admin listener, a
/// client_stream (TCP or Unix-domain) for the proxy listener.
class session_scope {
public:
    template <class Stream>
    session_scope(session_registry::handle h, Stream& stream) : h_(h)
    {
        h_->close_socket = [&stream] {
            if (!stream.socket().is_open())
                return false;
            error_code ignored;
            stream.socket().close(ignored);
            return true;
        };
    }
    ~session_scope() { h_->close_socket = nullptr; }
    session_scope(const session_scope&) = delete;
    session_scope& operator=(const session_scope&) = delete;
    void idle(bool on) noexcept { h_->idle = on; }

private:
    session_registry::handle h_;
};

}  // namespace litmus

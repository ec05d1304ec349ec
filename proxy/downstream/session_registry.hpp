#pragma once
// The live client connections, so that a drain can close the idle ones at
// once and wait for the busy ones to finish their request.

#include "proxy/core/net.hpp"

#include <functional>
#include <list>

namespace litmus::downstream {

/// Not thread-safe: the proxy's single io_context thread.
class session_registry {
public:
    struct entry {
        beast::tcp_stream* stream = nullptr;
        bool idle = true;  ///< between requests: safe to close on drain
    };
    using handle = std::list<entry>::iterator;

    handle add(beast::tcp_stream& s) { return entries_.insert(entries_.end(), entry{&s, true}); }
    void remove(handle h)
    {
        entries_.erase(h);
        if (entries_.empty() && on_empty_)
            std::exchange(on_empty_, nullptr)();
    }
    std::size_t size() const noexcept { return entries_.size(); }

    /// Closes every idle connection; busy ones close after their response.
    void close_idle()
    {
        for (auto& e : entries_)
            if (e.idle)
                e.stream->socket().close();
    }

    /// Calls `f` once, when the last session is gone (at once if none is).
    void when_empty(std::function<void()> f)
    {
        if (entries_.empty())
            f();
        else
            on_empty_ = std::move(f);
    }

private:
    std::list<entry> entries_;
    std::function<void()> on_empty_;
};

}  // namespace litmus::downstream

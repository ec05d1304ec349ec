#include "proxy/core/session_registry.hpp"

namespace litmus {

session_registry::handle session_registry::add()
{
    // Entries are erased lazily: a signal may only go once the ended
    // coroutine's machinery has let go of its slot.
    std::erase_if(entries_, [](entry& e) { return e.ended && !e.cancel.slot().has_handler(); });
    ++live_;
    return entries_.emplace(entries_.end());
}

void session_registry::ended(handle h)
{
    h->ended = true;
    h->close_socket = nullptr;
    if (--live_ == 0 && on_empty_)
        std::exchange(on_empty_, nullptr)();
}

void session_registry::close_idle()
{
    for (auto& e : entries_)
        if (!e.ended && e.idle && e.close_socket)
            e.close_socket();
}

bool session_registry::close_oldest_idle()
{
    // Entries are in the order they were added: the first match is the oldest.
    for (auto& e : entries_) {
        if (!e.ended && e.idle && e.close_socket && e.close_socket())
            return true;
    }
    return false;
}

void session_registry::cut_all()
{
    for (auto& e : entries_) {
        if (e.ended)
            continue;
        e.cancel.emit(net::cancellation_type::terminal);
        if (e.close_socket)
            e.close_socket();
    }
}

void session_registry::when_empty(std::function<void()> f)
{
    if (live_ == 0)
        f();
    else
        on_empty_ = std::move(f);
}

}  // namespace litmus

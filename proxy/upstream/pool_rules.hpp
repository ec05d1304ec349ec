#pragma once
// The pool's decisions, free of sockets and clocks so unit tests can table
// them: may an idle connection be reused, may a used one be kept.

#include <chrono>
#include <cstddef>

namespace litmus::upstream {

/// What a non-blocking peek at an idle connection's socket saw.
enum class peek_result {
    nothing,         ///< would block: the connection is quiet, as it should be
    eof,             ///< the server closed it
    data,            ///< unexpected bytes (a late response, a TLS alert): unusable
    error,           ///< reset or other socket error
};

enum class idle_verdict { reuse, expired, closed_by_peer, unexpected_data };

/// Whether an idle connection can carry the next request. A connection that
/// became readable while idle is dead: it either closed or holds bytes that
/// belong to no request (nghttpx idle_readcb, Pingora's unexpected-data count).
idle_verdict judge_idle(std::chrono::steady_clock::time_point idle_since,
                        std::chrono::steady_clock::time_point now,
                        std::chrono::milliseconds idle_timeout, peek_result peek) noexcept;

/// Whether a connection that just finished a response may go back to the
/// pool: the response was complete and keep-alive, nothing is left buffered
/// past it, and the pool has room.
bool may_keep(bool response_complete, bool keep_alive, std::size_t leftover_bytes,
              std::size_t idle_count, std::size_t max_idle) noexcept;

}  // namespace litmus::upstream

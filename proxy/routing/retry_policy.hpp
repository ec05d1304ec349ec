#pragma once
// When a forwarded request may be sent a second time. Pure.

namespace litmus::routing {

enum class attempt_failure {
    unauthorized,      ///< the upstream answered 401 to our token
    stale_connection,  ///< a pooled connection failed before any response byte
};

/// At most one retry, only for a request whose body is fully buffered (so it
/// can be replayed byte-exact), and for a stale connection only when that
/// connection was reused: a fresh connection failing is a real upstream
/// failure, not a race with the server's idle close (Pingora: client_reused
/// && !retry_buffer_truncated).
constexpr bool may_retry(unsigned attempts_made, attempt_failure failure, bool replayable,
                         bool connection_reused) noexcept
{
    if (attempts_made != 1 || !replayable)
        return false;
    switch (failure) {
    case attempt_failure::unauthorized: return true;
    case attempt_failure::stale_connection: return connection_reused;
    }
    return false;
}

}  // namespace litmus::routing

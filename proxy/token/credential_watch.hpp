#pragma once
// The periodic look at the credential files: every credentials.watch_interval
// a stat of each path (credential_source::rescan), so a rotated secret is
// picked up within about one interval. A timer rather than inotify: a stat a
// second costs nothing, and it sees the Kubernetes `..data` symlink swap and
// a file replaced by an editor alike.

#include "proxy/core/net.hpp"
#include "proxy/token/credential_source.hpp"

#include <chrono>

namespace litmus::token {

/// Not thread-safe: start and stop it on the io_context's thread.
class credential_watch {
public:
    /// `interval` 0: never looks (SIGHUP only).
    credential_watch(net::any_io_executor ex, credential_source& source, std::chrono::milliseconds interval);

    /// Arms the timer when there is a file to watch and an interval.
    void start();

    /// Cancels the timer; nothing is left pending on the io_context after it.
    void stop();

private:
    void arm();

    net::steady_timer timer_;
    credential_source& source_;
    std::chrono::milliseconds interval_;
    bool stopped_ = false;
};

}  // namespace litmus::token

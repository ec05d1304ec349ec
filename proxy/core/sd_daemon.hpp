#pragma once
// The two systemd protocols the proxy speaks, written out instead of linking
// libsystemd (which brings libgcrypt, lz4, zstd, lzma and libcap into every
// process: ~10 ms of start-up and their pages for nothing else):
//  - sd_notify(3): one datagram of "KEY=value" lines to $NOTIFY_SOCKET;
//  - sd_listen_fds(3): sockets passed from fd 3 on, $LISTEN_FDS of them,
//    meant for this process when $LISTEN_PID is its pid.
// Both are stable, documented interfaces (systemd's "interface portability
// and stability" promise).

#include <chrono>
#include <optional>
#include <string_view>

namespace litmus::sd {

/// The first passed-in socket's descriptor (SD_LISTEN_FDS_START).
inline constexpr int listen_fds_start = 3;

/// Sends `message` to $NOTIFY_SOCKET (a path, or "@name" for the abstract
/// namespace). 0 when sent, 0 when the variable is unset (not under
/// systemd), -errno on failure.
int notify(std::string_view message);

/// Half-interval source: $WATCHDOG_USEC when set, positive, and meant for
/// this process ($WATCHDOG_PID unset or this pid).
std::optional<std::chrono::microseconds> watchdog_interval();

/// How many sockets were passed in for this process (0 when none, or
/// meant for another process), -errno when $LISTEN_FDS/$LISTEN_PID are
/// malformed. Marks them close-on-exec and unsets the variables, so a child
/// does not take them for its own.
int take_listen_fds();

/// True when `fd` is a listening stream socket of address family `family`.
bool is_listening_stream(int fd, int family);

}  // namespace litmus::sd

#pragma once
// systemd socket activation (sd_listen_fds(3)): a .socket unit creates the
// proxy listener (and for a Unix-domain socket, its file, owner and mode) and
// passes it to the proxy as fd 3 when the service starts.

#include <optional>

namespace litmus::downstream {

/// A listening stream socket systemd passed in.
struct activated_socket {
    int fd = -1;
    int family = 0;  ///< AF_INET, AF_INET6 or AF_UNIX
};

/// The socket systemd passed to this process, if any (LISTEN_PID names this
/// process and LISTEN_FDS is set; nullopt otherwise). Unsets LISTEN_PID,
/// LISTEN_FDS and LISTEN_FDNAMES so that nothing started later takes them
/// for its own, and marks the socket close-on-exec. Throws
/// std::runtime_error, saying what the unit should look like, when more than
/// one socket was passed or it is not a listening TCP or Unix-domain stream
/// socket. Not thread-safe: it changes the environment; call it once at
/// start-up, before other threads run.
std::optional<activated_socket> take_activated_socket();

}  // namespace litmus::downstream

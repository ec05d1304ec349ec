#pragma once
// The proxy listener as a Unix-domain socket file (`listen: unix:PATH`):
// whoever may write to the file may call the proxy, so its mode is set
// before anyone can connect; a file left by a crashed run is replaced, never
// anything else; and the file is removed again when the listener closes.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"

#include <sys/types.h>

namespace litmus::downstream {

/// Owns the socket file this process created. Not thread-safe: start-up and
/// the proxy's io_context thread.
class unix_socket_file {
public:
    /// Binds `acceptor` (closed) to a new socket file at `path`, sets the
    /// file's permission bits to `mode`, then listens:
    ///  - the file is created under a umask that denies everyone, so until
    ///    the chmod nobody but root can connect (connecting needs write
    ///    permission). The umask is process-wide: call this at start-up,
    ///    while no other thread creates files;
    ///  - an existing socket file is replaced only when nothing accepts on it
    ///    (a connect is refused: left by a crashed run). Anything that is
    ///    not a socket is never removed.
    /// The directory must exist. Throws std::runtime_error naming the path
    /// and the cause (a file in the way, another process listening, no such
    /// directory, permission denied).
    unix_socket_file(stream_acceptor& acceptor, std::string path, config::file_mode mode);
    ~unix_socket_file() { remove(); }
    unix_socket_file(const unix_socket_file&) = delete;
    unix_socket_file& operator=(const unix_socket_file&) = delete;

    const std::string& path() const noexcept { return path_; }

    /// Removes the file if it is still the one created here (a proxy
    /// started since may have put its own socket there). Once only.
    void remove() noexcept;

private:
    std::string path_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    bool removed_ = false;
};

}  // namespace litmus::downstream

#include "proxy/downstream/unix_socket_file.hpp"

#include "proxy/core/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace litmus::downstream {

namespace {

[[noreturn]] void fail(const std::string& path, std::string_view what)
{
    throw std::runtime_error("listen: unix:" + path + ": " + std::string(what));
}

std::string errno_text(int err) { return std::strerror(err); }

// Sets the process umask for the lifetime of the guard.
class umask_guard {
public:
    explicit umask_guard(mode_t mask) : previous_(::umask(mask)) {}
    ~umask_guard() { ::umask(previous_); }
    umask_guard(const umask_guard&) = delete;
    umask_guard& operator=(const umask_guard&) = delete;

private:
    mode_t previous_;
};

// True when something accepts connections on the socket at `path`; false
// when a connect is refused (nobody listens: a file left by a crashed run)
// or the file has gone meanwhile. Non-blocking, so a live listener with a
// full backlog answers at once (EAGAIN) instead of holding the start.
bool someone_listens(const std::string& path)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail(path, "cannot test the existing socket: " + errno_text(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof addr.sun_path - 1));
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    const int err = rc == 0 ? 0 : errno;
    ::close(fd);
    if (rc == 0 || err == EAGAIN || err == EINPROGRESS)
        return true;
    if (err == ECONNREFUSED || err == ENOENT)
        return false;
    fail(path, "cannot tell whether the existing socket is in use: " + errno_text(err));
}

// Makes way for a new socket at `path`: nothing there, or a socket file
// nobody accepts on, which is removed.
void clear_stale_socket(const std::string& path)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return;
        fail(path, "cannot inspect the path: " + errno_text(errno));
    }
    if (!S_ISSOCK(st.st_mode))
        fail(path, "a file that is not a socket is in the way; refusing to replace it "
                   "(remove it, or choose another path)");
    if (someone_listens(path))
        fail(path, "another process is accepting connections on this socket (a second litmus-proxy?)");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        fail(path, "cannot remove the stale socket file: " + errno_text(errno));
    log::warn("stale_socket_replaced", {{"path", path}, {"reason", "nothing accepted on it"}});
}

}  // namespace

unix_socket_file::unix_socket_file(stream_acceptor& acceptor, std::string path, config::file_mode mode)
    : path_(std::move(path))
{
    clear_stale_socket(path_);
    const net::generic::stream_protocol::endpoint at{net::local::stream_protocol::endpoint(path_)};
    acceptor.open(net::generic::stream_protocol(AF_UNIX, 0));
    error_code ec;
    {
        // The file appears with mode 0000 (bind applies the umask to 0777),
        // so nobody can connect before the chmod below sets the real mode.
        umask_guard deny_all(0777);
        acceptor.bind(at, ec);
    }
    if (ec) {
        std::string hint = ec == boost::system::errc::no_such_file_or_directory
                               ? " (create the directory first: systemd's RuntimeDirectory=, a Kubernetes emptyDir)"
                               : "";
        fail(path_, "cannot create the socket: " + ec.message() + hint);
    }
    struct stat st {};
    if (::lstat(path_.c_str(), &st) != 0)
        fail(path_, "the socket vanished right after it was created: " + errno_text(errno));
    device_ = st.st_dev;
    inode_ = st.st_ino;
    if (::chmod(path_.c_str(), static_cast<mode_t>(mode.bits)) != 0) {
        const int err = errno;
        remove();
        fail(path_, "cannot set the socket's mode: " + errno_text(err));
    }
    acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        remove();
        fail(path_, "cannot listen: " + ec.message());
    }
}

void unix_socket_file::remove() noexcept
{
    if (removed_ || inode_ == 0)
        return;
    removed_ = true;
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == device_ && st.st_ino == inode_)
        ::unlink(path_.c_str());
}

}  // namespace litmus::downstream

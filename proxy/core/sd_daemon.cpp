#include "proxy/core/sd_daemon.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace litmus::sd {

namespace {

// The whole variable as a non-negative integer; nullopt when unset, empty
// or not a number.
std::optional<unsigned long long> env_number(const char* name)
{
    const char* v = std::getenv(name);
    if (!v || !*v)
        return std::nullopt;
    unsigned long long n = 0;
    const char* end = v + std::strlen(v);
    auto [p, ec] = std::from_chars(v, end, n);
    if (ec != std::errc{} || p != end)
        return std::nullopt;
    return n;
}

bool meant_for_this_process(const char* pid_variable)
{
    auto pid = env_number(pid_variable);
    return pid && *pid == static_cast<unsigned long long>(::getpid());
}

}  // namespace

int notify(std::string_view message)
{
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return 0;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t length = std::strlen(path);
    if ((path[0] != '/' && path[0] != '@') || length >= sizeof addr.sun_path)
        return -EINVAL;
    std::memcpy(addr.sun_path, path, length);
    if (path[0] == '@')
        addr.sun_path[0] = '\0';  // abstract namespace
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    ssize_t n;
    do
        n = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
                     addr_len);
    while (n < 0 && errno == EINTR);
    const int err = n < 0 ? errno : 0;
    ::close(fd);
    return -err;
}

std::optional<std::chrono::microseconds> watchdog_interval()
{
    auto usec = env_number("WATCHDOG_USEC");
    if (!usec || *usec == 0)
        return std::nullopt;
    if (std::getenv("WATCHDOG_PID") && !meant_for_this_process("WATCHDOG_PID"))
        return std::nullopt;
    return std::chrono::microseconds(*usec);
}

int take_listen_fds()
{
    int result = 0;
    if (std::getenv("LISTEN_FDS") || std::getenv("LISTEN_PID")) {
        auto count = env_number("LISTEN_FDS");
        if (!env_number("LISTEN_PID") || !count || *count > 1024)
            result = -EINVAL;
        else if (meant_for_this_process("LISTEN_PID"))
            result = static_cast<int>(*count);
    }
    for (int fd = listen_fds_start; fd < listen_fds_start + result; ++fd) {
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
            result = -errno;
            break;
        }
    }
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    return result;
}

bool is_listening_stream(int fd, int family)
{
    int type = 0, listening = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
        return false;
    len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
        return false;
    sockaddr_storage addr{};
    len = sizeof addr;
    return ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0 && addr.ss_family == family;
}

}  // namespace litmus::sd

#include "tests/support/child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace litmus::test {

namespace {

using namespace std::chrono_literals;

[[noreturn]] void throw_errno(int err, const std::string& what)
{
    throw std::system_error(err, std::generic_category(), what);
}

// Closes on scope exit; for the parent's copies of the child's descriptors.
struct fd_guard {
    int fd = -1;
    ~fd_guard()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

std::vector<std::string> build_env(const process_options& opts)
{
    std::vector<std::string> env;
    auto overridden = [&](std::string_view entry) {
        auto eq = entry.find('=');
        std::string_view key = entry.substr(0, eq);
        for (const auto& kv : opts.env)
            if (kv.first == key)
                return true;
        return false;
    };
    if (opts.inherit_env)
        for (char** e = environ; e && *e; ++e)
            if (!overridden(*e))
                env.emplace_back(*e);
    for (const auto& [k, v] : opts.env)
        env.push_back(k + "=" + v);
    return env;
}

std::vector<char*> c_array(std::vector<std::string>& strings)
{
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// systemd passes activated sockets from this descriptor on (SD_LISTEN_FDS_START).
constexpr int first_listen_fd = 3;
constexpr std::string_view listen_pid_prefix = "LISTEN_PID=";

// `value` in decimal at `out`, NUL-terminated; async-signal-safe.
void write_decimal(char* out, long value)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value > 0);
    for (int i = 0; i < n; ++i)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
}

// Between fork() and execve() only async-signal-safe calls are allowed: the
// parent has other threads (the fake's server, Boost.Test's) whose locks may
// be held at the moment of the fork. `listen_pid_digits`: where the
// LISTEN_PID environment entry's value goes (with listen_fd >= 0).
[[noreturn]] void exec_child(int err_fd, pid_t parent, int devnull, int out_fd, const char* working_dir,
                             const char* path, char* const* argv, char* const* envp, int listen_fd,
                             char* listen_pid_digits)
{
    auto fail = [&err_fd] {
        int err = errno;
        ssize_t w = ::write(err_fd, &err, sizeof err);
        (void)w;
        ::_exit(127);
    };
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        fail();
    // The parent may have died before prctl took effect.
    if (::getppid() != parent)
        ::_exit(127);
    // Signal mask and ignored dispositions survive execve; give the program
    // the defaults it would get from a shell.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP)
            ::sigaction(sig, &dfl, nullptr);
    if (::dup2(devnull, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0)
        fail();
    if (listen_fd >= 0) {
        // The error pipe must not be the descriptor the socket goes to.
        if (err_fd == first_listen_fd && (err_fd = ::fcntl(err_fd, F_DUPFD_CLOEXEC, first_listen_fd + 1)) < 0)
            ::_exit(127);
        // dup2 onto itself would keep close-on-exec: clear it instead.
        if (listen_fd == first_listen_fd ? ::fcntl(listen_fd, F_SETFD, 0) != 0
                                         : ::dup2(listen_fd, first_listen_fd) < 0)
            fail();
        write_decimal(listen_pid_digits, static_cast<long>(::getpid()));
    }
    if (working_dir && ::chdir(working_dir) != 0)
        fail();
    ::execve(path, argv, envp);
    fail();
    ::_exit(127);  // not reached; the lambda cannot be declared [[noreturn]]
}

}  // namespace

std::optional<std::string> find_program(std::string_view name)
{
    auto executable = [](const std::string& p) {
        struct stat st;
        return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
    };
    if (name.empty())
        return std::nullopt;
    if (name.find('/') != std::string_view::npos) {
        std::string p(name);
        return executable(p) ? std::optional(p) : std::nullopt;
    }
    const char* path_env = std::getenv("PATH");
    std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    for (;;) {
        std::size_t end = path.find(':', start);
        std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + std::string(name);
        if (executable(candidate))
            return candidate;
        if (end == std::string::npos)
            return std::nullopt;
        start = end + 1;
    }
}

child_process::child_process(const std::string& program, const std::vector<std::string>& args,
                             const process_options& opts)
{
    auto resolved = find_program(program);
    if (!resolved)
        throw_errno(ENOENT, "child_process: program not found: " + program);

    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/litmus-proc-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw_errno(errno, "child_process: mkdtemp");
    dir_ = pattern;
    output_path_ = dir_ + "/output.log";

    try {
        fd_guard out{::open(output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600)};
        if (out.fd < 0)
            throw_errno(errno, "child_process: open " + output_path_);
        fd_guard devnull{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
        if (devnull.fd < 0)
            throw_errno(errno, "child_process: open /dev/null");
        int pipe_fds[2];
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
            throw_errno(errno, "child_process: pipe2");
        fd_guard err_read{pipe_fds[0]};
        fd_guard err_write{pipe_fds[1]};

        // Everything the child touches is built before fork().
        std::vector<std::string> argv_storage;
        argv_storage.push_back(program);
        argv_storage.insert(argv_storage.end(), args.begin(), args.end());
        process_options effective = opts;
        if (opts.listen_fd >= 0) {
            effective.env.emplace_back("LISTEN_FDS", "1");
            // Room for any pid; LISTEN_PID must be the last entry (see below).
            effective.env.emplace_back("LISTEN_PID", std::string(20, '0'));
        }
        std::vector<std::string> env_storage = build_env(effective);
        std::vector<char*> argv = c_array(argv_storage);
        std::vector<char*> envp = c_array(env_storage);
        // build_env puts `env` last, in order: the final entry is LISTEN_PID.
        char* listen_pid_digits = opts.listen_fd >= 0 ? env_storage.back().data() + listen_pid_prefix.size() : nullptr;
        const char* wd = opts.working_dir.empty() ? nullptr : opts.working_dir.c_str();
        const pid_t parent = ::getpid();

        pid_ = ::fork();
        if (pid_ < 0)
            throw_errno(errno, "child_process: fork");
        if (pid_ == 0)
            exec_child(err_write.fd, parent, devnull.fd, out.fd, wd, resolved->c_str(), argv.data(), envp.data(),
                       opts.listen_fd, listen_pid_digits);

        ::close(err_write.fd);
        err_write.fd = -1;
        // execve closes the O_CLOEXEC pipe: EOF means it succeeded, an int
        // means it (or the set-up before it) failed with that errno.
        int child_errno = 0;
        ssize_t n;
        do
            n = ::read(err_read.fd, &child_errno, sizeof child_errno);
        while (n < 0 && errno == EINTR);
        if (n > 0) {
            try_reap(true);
            pid_ = -1;
            throw_errno(child_errno, "child_process: cannot execute " + *resolved);
        }
        pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    } catch (...) {
        ::unlink(output_path_.c_str());
        ::rmdir(dir_.c_str());
        throw;
    }
}

child_process::~child_process()
{
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        try_reap(true);
    }
    if (pidfd_ >= 0)
        ::close(pidfd_);
    // The no-secrets check (tests/integration/no_secrets_in_logs.sh) reads
    // the test's own stderr: the children's logs join it there.
    if (std::getenv("LITMUS_TEST_CHILD_OUTPUT_TO_STDERR")) {
        try {
            const std::string out = output();
            for (std::size_t done = 0; done < out.size();) {
                auto n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
                if (n <= 0)
                    break;
                done += static_cast<std::size_t>(n);
            }
        } catch (const std::exception&) {
            // Best effort: a destructor must not throw.
        }
    }
    ::unlink(output_path_.c_str());
    ::rmdir(dir_.c_str());
}

bool child_process::try_reap(bool block)
{
    if (status_)
        return true;
    int st = 0;
    pid_t r;
    do
        r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    if (r < 0) {
        // ECHILD: someone else reaped it (SIGCHLD ignored); the status is lost.
        status_ = INT_MIN;
    } else if (WIFEXITED(st)) {
        status_ = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        status_ = -WTERMSIG(st);
    } else {
        return false;
    }
    return true;
}

bool child_process::wait_for_exit(std::chrono::milliseconds timeout, int& status_out)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (try_reap(false)) {
            status_out = *status_;
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms)
            return false;
        if (pidfd_ >= 0) {
            // A pidfd becomes readable when the process exits: no polling delay.
            pollfd p{pidfd_, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(std::min<std::chrono::milliseconds>(left, 1000ms).count()) + 1);
        } else {
            std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(left, 5ms));
        }
    }
}

bool child_process::running() { return !try_reap(false); }

void child_process::send_signal(int sig)
{
    // Once reaped the pid may belong to someone else: never signal it then.
    if (pid_ > 0 && !try_reap(false))
        ::kill(pid_, sig);
}

void child_process::terminate() { send_signal(SIGTERM); }
void child_process::kill() { send_signal(SIGKILL); }

std::string child_process::output() const
{
    std::ifstream in(output_path_, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool child_process::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const bool exited = !running();
        if (output().find(needle) != std::string::npos)
            return true;
        if (exited || std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
}

}  // namespace litmus::test

#pragma once
// Runs a program (the proxy binary, python3/node clients, curl) as a child of
// the test, with its stdout and stderr captured to a file the test can read
// and wait on.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace litmus::test {

struct process_options {
    /// Added to (or overriding) the environment.
    std::vector<std::pair<std::string, std::string>> env;
    /// false: start from an empty environment, so only `env` is set.
    bool inherit_env = true;
    /// Working directory of the child; empty: the test's own.
    std::string working_dir;
    /// A listening socket handed to the child as systemd's socket activation
    /// does: as fd 3, with LISTEN_FDS=1 and LISTEN_PID set to the child's own
    /// pid (known only after fork, so written in the child). -1: none.
    int listen_fd = -1;
};

/// A running child process. stdin is /dev/null; stdout and stderr both go to
/// one capture file in a private temp dir (interleaved as written).
///
/// The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies if the test process
/// dies (a crash or a ctest timeout must not leave proxies running). Linux
/// ties that to the *thread* that started the child: start children from a
/// thread that outlives them (normally the test's main thread).
///
/// Thread-safety: not synchronised; use one object from one thread.
class child_process {
public:
    /// Starts `program` with `args` (argv[0] is `program`). A program without
    /// '/' is looked up in PATH. Throws std::system_error when it cannot be
    /// found or executed.
    child_process(const std::string& program, const std::vector<std::string>& args,
                  const process_options& opts = {});
    /// SIGKILLs and reaps the child if it is still running, then deletes the
    /// capture file (copied to this process's stderr first when
    /// LITMUS_TEST_CHILD_OUTPUT_TO_STDERR is set).
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const noexcept { return pid_; }

    /// Waits up to `timeout` for the child to exit and reaps it. On true,
    /// `status_out` is the exit code, or -N when killed by signal N. Returns
    /// the stored status at once if the child was already reaped.
    bool wait_for_exit(std::chrono::milliseconds timeout, int& status_out);
    /// True until the child has exited (reaps it if it has).
    bool running();

    void terminate();  ///< SIGTERM (no-op once reaped)
    void kill();       ///< SIGKILL (no-op once reaped)
    void send_signal(int sig);

    /// Everything the child wrote to stdout and stderr so far.
    std::string output() const;
    /// Path of the capture file.
    const std::string& output_file() const noexcept { return output_path_; }
    /// Polls output() every 10 ms until it contains `needle`; false on
    /// timeout, or as soon as the child has exited without writing it.
    bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout);

private:
    bool try_reap(bool block);

    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<int> status_;
    std::string dir_;
    std::string output_path_;
};

/// The first executable file named `name` in $PATH (or `name` itself when it
/// contains a '/' and is executable).
std::optional<std::string> find_program(std::string_view name);

}  // namespace litmus::test

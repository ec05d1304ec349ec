#pragma once
// What tests that run the litmus-proxy binary as a child process share.

#include "tests/support/child_process.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace litmus::test {

/// Options for a child with no Litmus variables from the machine running the
/// tests: only PATH and `env`.
process_options clean_env(std::vector<std::pair<std::string, std::string>> env = {});

/// How a run of the binary ended.
struct exit_result {
    int code = -999;     ///< exit status, -N when killed by signal N
    std::string output;  ///< stdout and stderr
};

/// Runs the litmus-proxy binary with `args` until it exits (10 s at most:
/// the test fails otherwise).
exit_result run_to_exit(const std::vector<std::string>& args, const process_options& opts);

/// Waits (10 s) for the "listening" log line and returns the port it names.
/// Fails the test when it does not come.
std::uint16_t wait_listening(child_process& p);

/// How many times `needle` occurs in `text`.
std::size_t occurrences(const std::string& text, std::string_view needle);

}  // namespace litmus::test

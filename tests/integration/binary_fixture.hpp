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

/// Waits (10 s) for the "listening" log line and returns the port it names.
/// Fails the test when it does not come.
std::uint16_t wait_listening(child_process& p);

/// How many times `needle` occurs in `text`.
std::size_t occurrences(const std::string& text, std::string_view needle);

}  // namespace litmus::test

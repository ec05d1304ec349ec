#pragma once
// Reading a whole small file (the config file, a credential file) with a size
// limit, and naming why it failed. Thread-safe (no shared state).

#include <cstddef>
#include <string>

namespace litmus::config {

struct file_content {
    std::string data;
    int error = 0;           ///< errno of the failed open or read, 0 when read
    bool too_large = false;  ///< longer than the limit; `data` is then cleared
};

/// Reads `path` whole, refusing more than `limit` bytes.
file_content read_whole_file(const std::string& path, std::size_t limit);

/// errno when the file cannot be opened and read, 0 when it can.
int check_readable(const std::string& path);

/// strerror-like text for an errno value, e.g. "No such file or directory".
std::string error_text(int err);

}  // namespace litmus::config

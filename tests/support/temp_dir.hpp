#pragma once
// A private directory under $TMPDIR (or /tmp) that is removed with everything
// in it when the owner dies: tests write CA files, process output and configs
// there, so nothing generated ever lands in the source tree.

#include <filesystem>
#include <string>
#include <string_view>

namespace litmus::test {

/// Owns one directory made with mkdtemp(3), mode 0700. Not copyable; movable.
/// Thread-safety: the object is not synchronised; path() may be read from any
/// thread once constructed.
class temp_dir {
public:
    /// Creates `$TMPDIR/<prefix>XXXXXX`. Throws std::system_error on failure.
    explicit temp_dir(std::string_view prefix = "litmus-test-");
    ~temp_dir();

    temp_dir(temp_dir&& other) noexcept;
    temp_dir& operator=(temp_dir&& other) noexcept;
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

    /// path() / name, as a string (the form most APIs take).
    std::string file(std::string_view name) const;

    /// Writes `content` to path() / name (truncating) and returns the path.
    /// Throws std::runtime_error when the file cannot be written.
    std::string write_file(std::string_view name, std::string_view content) const;

private:
    void remove() noexcept;

    std::filesystem::path path_;
};

}  // namespace litmus::test

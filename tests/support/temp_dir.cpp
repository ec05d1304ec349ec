#include "tests/support/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace litmus::test {

temp_dir::temp_dir(std::string_view prefix)
{
    const char* base = std::getenv("TMPDIR");
    std::filesystem::path root = (base && *base) ? base : "/tmp";
    std::string pattern = (root / std::string(prefix)).string() + "XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr)
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = buf.data();
}

temp_dir::~temp_dir() { remove(); }

temp_dir::temp_dir(temp_dir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

temp_dir& temp_dir::operator=(temp_dir&& other) noexcept
{
    if (this != &other) {
        remove();
        path_ = std::exchange(other.path_, {});
    }
    return *this;
}

std::string temp_dir::file(std::string_view name) const { return (path_ / std::string(name)).string(); }

std::string temp_dir::write_file(std::string_view name, std::string_view content) const
{
    std::string p = file(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out)
        throw std::runtime_error("cannot write " + p);
    return p;
}

void temp_dir::remove() noexcept
{
    if (path_.empty())
        return;
    // Best effort: a destructor must not throw, and a leftover directory in
    // /tmp is harmless.
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    path_.clear();
}

}  // namespace litmus::test

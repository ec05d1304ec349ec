#include "proxy/config/file_content.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace litmus::config {

file_content read_whole_file(const std::string& path, std::size_t limit)
{
    file_content out;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
        out.error = errno;
        return out;
    }
    char buf[4096];
    for (;;) {
        std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
        out.data.append(buf, n);
        if (out.data.size() > limit) {
            out.data.clear();
            out.too_large = true;
            return out;
        }
        if (n < sizeof buf) {
            // A directory opens fine and fails here with EISDIR.
            if (std::ferror(f.get()))
                out.error = errno != 0 ? errno : EIO;
            return out;
        }
    }
}

int check_readable(const std::string& path)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f)
        return errno;
    char c;
    if (std::fread(&c, 1, 1, f.get()) == 0 && std::ferror(f.get()))
        return errno != 0 ? errno : EIO;
    return 0;
}

std::string error_text(int err)
{
    return std::generic_category().message(err);
}

}  // namespace litmus::config

#pragma once
// Environment variables set (or unset) for a test's scope; what was there
// before is put back. For code that reads the process environment itself
// (OpenSSL's SSL_CERT_*, systemd's NOTIFY_SOCKET and friends).

#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace litmus::test {

class scoped_env {
public:
    /// nullopt unsets the variable.
    explicit scoped_env(std::initializer_list<std::pair<const char*, std::optional<std::string>>> vars)
    {
        for (const auto& [name, value] : vars) {
            const char* old = std::getenv(name);
            saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            if (value)
                ::setenv(name, value->c_str(), 1);
            else
                ::unsetenv(name);
        }
    }
    ~scoped_env()
    {
        for (const auto& [name, old] : saved_) {
            if (old)
                ::setenv(name, old->c_str(), 1);
            else
                ::unsetenv(name);
        }
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

}  // namespace litmus::test

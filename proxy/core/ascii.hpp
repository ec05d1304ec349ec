#pragma once
// ASCII case-insensitive comparison for protocol tokens (header values,
// methods, host names). Not beast::iequals: in Boost 1.81 it reads one byte
// past the end of its arguments when they differ only in case (found by the
// request-path fuzzer; a field value held by Beast has no terminator there).

#include <string_view>

namespace litmus {

constexpr char ascii_lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// True when `a` and `b` are equal ignoring ASCII case. Reads no byte
/// outside either view.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

}  // namespace litmus

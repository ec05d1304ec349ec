#include "proxy/users/user_key.hpp"

#include <algorithm>

namespace litmus::users {

bool is_valid_user_key(std::string_view key) noexcept
{
    if (key.empty() || key.size() > max_user_key_length)
        return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '@' || c == '-';
    });
}

}  // namespace litmus::users

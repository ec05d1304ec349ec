#include "proxy/forward/request_id.hpp"

#include <algorithm>
#include <random>

namespace litmus::forward {

namespace {

bool is_id_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
}

}  // namespace

bool is_well_formed_request_id(std::string_view v) noexcept
{
    return !v.empty() && v.size() <= request_id::max_size && std::all_of(v.begin(), v.end(), is_id_char);
}

request_id_source::request_id_source()
{
    std::random_device rd;
    state_ = (std::uint64_t{rd()} << 32) ^ rd();
}

request_id request_id_source::for_request(const http::fields& f) noexcept
{
    if (f.count(request_id_field) != 1)
        return generate();
    auto value = f.find(request_id_field)->value();
    if (!is_well_formed_request_id(value))
        return generate();
    request_id id;
    std::copy(value.begin(), value.end(), id.chars_.begin());
    id.size_ = static_cast<std::uint8_t>(value.size());
    return id;
}

request_id request_id_source::generate() noexcept
{
    // SplitMix64 (Steele, Lea, Flood 2014): a counter through a bijective mix.
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    static constexpr char digits[] = "0123456789abcdef";
    request_id id;
    for (std::size_t i = 0; i < 16; ++i)
        id.chars_[i] = digits[(z >> (60 - 4 * i)) & 0xf];
    id.size_ = 16;
    return id;
}

}  // namespace litmus::forward

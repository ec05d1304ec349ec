#include "proxy/config/users_values.hpp"

#include "proxy/users/user_key.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <optional>

namespace litmus::config {

namespace {

value_error error(std::string message)
{
    return value_error{std::move(message)};
}

std::optional<int> hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return std::nullopt;
}

std::optional<int> base64_digit(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return std::nullopt;
}

std::optional<store_key> from_hex(std::string_view text)
{
    store_key key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        auto hi = hex_digit(text[2 * i]);
        auto lo = hex_digit(text[2 * i + 1]);
        if (!hi || !lo)
            return std::nullopt;
        key[i] = static_cast<std::uint8_t>(*hi << 4 | *lo);
    }
    return key;
}

// 32 bytes are 43 base64 digits (the last holding 4 bits, its low 2 zero)
// and one '=' of padding.
std::optional<store_key> from_base64(std::string_view text)
{
    if (text.back() != '=')
        return std::nullopt;
    std::uint32_t bits = 0;
    int pending = 0;
    std::size_t out = 0;
    store_key key{};
    for (char c : text.substr(0, text.size() - 1)) {
        auto d = base64_digit(c);
        if (!d)
            return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(*d);
        pending += 6;
        if (pending >= 8) {
            pending -= 8;
            key[out++] = static_cast<std::uint8_t>(bits >> pending);
            bits &= (1u << pending) - 1;
        }
    }
    if (out != key.size() || bits != 0)
        return std::nullopt;
    return key;
}

}  // namespace

value_result<user_store_location> parse_user_store(std::string_view text)
{
    constexpr std::string_view sqlite = "sqlite:";
    user_store_location out;
    if (text.starts_with(sqlite)) {
        out.type = user_store_location::kind::sqlite;
        out.target = std::string(text.substr(sqlite.size()));
        if (out.target.empty())
            return error("expected sqlite:PATH with a file path, such as sqlite:/var/lib/litmus-proxy/users.db");
        return out;
    }
    if (text.starts_with("postgres://") || text.starts_with("postgresql://")) {
        out.type = user_store_location::kind::postgres;
        out.target = std::string(text);
        return out;
    }
    // Only the scheme is shown: the rest of a mistyped PostgreSQL URL may be a password.
    auto colon = text.find(':');
    std::string shown = colon == std::string_view::npos ? "no scheme" : "scheme " + quoted(text.substr(0, colon));
    return error("expected sqlite:PATH or a postgres://... URL, got " + shown);
}

value_result<store_key> parse_store_key(std::string_view text)
{
    std::optional<store_key> key;
    if (text.size() == 64)
        key = from_hex(text);
    else if (text.size() == 44)
        key = from_base64(text);
    if (key)
        return *key;
    return error("expected 32 random bytes written as base64 (44 characters) or hex (64 characters), got " +
                 std::to_string(text.size()) + " characters that are neither; " + std::string(store_key_help));
}

value_result<std::string> parse_redirect_uri(std::string_view text)
{
    if (!boost::urls::parse_absolute_uri(text))
        return error("expected an absolute URI such as https://app.example/litmus/callback (a scheme, no "
                     "fragment), got " + quoted(text));
    return value_result<std::string>(boost::system::in_place_value, text);
}

value_result<std::string> parse_user_key(std::string_view text)
{
    if (!users::is_valid_user_key(text))
        return error("expected a user key of 1 to 128 characters from A-Z a-z 0-9 . _ @ -, got " + quoted(text));
    return value_result<std::string>(boost::system::in_place_value, text);
}

}  // namespace litmus::config

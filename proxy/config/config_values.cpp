#include "proxy/config/config_values.hpp"

#include <boost/throw_exception.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <utility>

namespace litmus::config {

namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = 1024 * kib;
constexpr std::uint64_t gib = 1024 * mib;
// Far beyond any sensible setting, and small enough that no unit conversion
// overflows; the per-key ranges are much tighter.
constexpr std::uint64_t max_duration_ms = 100ull * 24 * 3600 * 1000;
constexpr std::uint64_t max_size = 1024 * gib;

value_error error(std::string message)
{
    return value_error{std::move(message)};
}

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// The whole of `digits` as an unsigned integer; nullopt when it is empty,
// has a non-digit or does not fit.
std::optional<std::uint64_t> to_unsigned(std::string_view digits)
{
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit))
        return std::nullopt;
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size())
        return std::nullopt;
    return n;
}

// Leading digits, then the rest ("10ms" -> "10", "ms").
std::pair<std::string_view, std::string_view> split_number(std::string_view text)
{
    auto n = static_cast<std::size_t>(
        std::find_if_not(text.begin(), text.end(), is_digit) - text.begin());
    return {text.substr(0, n), text.substr(n)};
}

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_ipv4_literal(std::string_view host)
{
    return static_cast<bool>(boost::urls::parse_ipv4_address(host));
}

// DNS-style names: letters, digits, '-', '_' and '.', not starting with '.'
// or '-'. Everything else (spaces, '/', '%', '@' ...) is a typo or an attack.
bool is_host_name(std::string_view host)
{
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-')
        return false;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
               c == '_' || c == '.';
    });
}

bool looks_like_ipv4(std::string_view host)
{
    return std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
}

bool has_dot_segment(std::string_view path)
{
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        auto seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                       : slash - start);
        if (seg == "." || seg == "..")
            return true;
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return false;
}

const std::string endpoint_hint = "expected HOST:PORT such as 127.0.0.1:8443";

}  // namespace

void throw_exception_from_error(const value_error& e, const boost::source_location& loc)
{
    boost::throw_exception(std::invalid_argument(e.message), loc);
}

std::string quoted(std::string_view value)
{
    constexpr std::size_t max_shown = 80;
    std::string out = "'";
    for (std::size_t i = 0; i < value.size() && i < max_shown; ++i) {
        auto c = static_cast<unsigned char>(value[i]);
        if (c < 0x20 || c == 0x7f) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (value.size() > max_shown)
        out += "...";
    out += '\'';
    return out;
}

value_result<duration> parse_duration(std::string_view text)
{
    auto bad = [&] {
        std::string hint = text.find('.') != std::string_view::npos
                               ? " (whole numbers only: write 1500ms, not 1.5s)"
                               : "";
        return error("expected a duration such as 500ms, 10s, 2m or 1h, got " + quoted(text) + hint);
    };
    auto [digits, unit] = split_number(text);
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1000;
    else if (unit == "ms")
        scale = 1;
    else if (unit == "m")
        scale = 60'000;
    else if (unit == "h")
        scale = 3'600'000;
    else
        return bad();
    if (digits.empty())
        return bad();
    // `digits` is all digits, so a failure here is an overflow.
    auto n = to_unsigned(digits);
    if (!n || *n > max_duration_ms / scale)
        return error("duration " + quoted(text) + " is too long");
    return duration(static_cast<duration::rep>(*n * scale));
}

value_result<std::uint64_t> parse_size(std::string_view text)
{
    auto [digits, unit] = split_number(text);
    std::uint64_t scale = 0;
    if (unit.empty())
        scale = 1;
    else if (unit == "KiB")
        scale = kib;
    else if (unit == "MiB")
        scale = mib;
    else if (unit == "GiB")
        scale = gib;
    if (scale == 0 || digits.empty()) {
        auto l = lower(unit);
        std::string hint = !digits.empty() && (l == "k" || l == "kb" || l == "m" || l == "mb" ||
                                               l == "g" || l == "gb")
                               ? " (units are KiB, MiB and GiB)"
                               : "";
        return error("expected a size in bytes such as 65536, 64KiB, 8MiB or 1GiB, got " +
                     quoted(text) + hint);
    }
    auto n = to_unsigned(digits);
    if (!n || *n > max_size / scale)
        return error("size " + quoted(text) + " is too large");
    return *n * scale;
}

value_result<std::uint64_t> parse_count(std::string_view text)
{
    auto n = to_unsigned(text);
    if (!n)
        return error("expected a whole number such as 64, got " + quoted(text));
    return *n;
}

value_result<double> parse_fraction(std::string_view text)
{
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(d))
        return error("expected a number such as 0.2, got " + quoted(text));
    return d;
}

value_result<bool> parse_bool(std::string_view text)
{
    if (text == "true")
        return true;
    if (text == "false")
        return false;
    return error("expected true or false, got " + quoted(text));
}

value_result<log_level> parse_log_level(std::string_view text)
{
    if (text == "debug")
        return log_level::debug;
    if (text == "info")
        return log_level::info;
    if (text == "warn")
        return log_level::warn;
    if (text == "error")
        return log_level::error;
    return error("expected debug, info, warn or error, got " + quoted(text));
}

namespace {

// HOST:PORT with the port from `min_port` to 65535.
value_result<endpoint> parse_host_port(std::string_view text, std::uint64_t min_port)
{
    std::string_view host;
    std::string_view port;
    bool bracketed = false;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return error(endpoint_hint + " or [::1]:8443, got " + quoted(text));
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        bracketed = true;
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return error(endpoint_hint + " (the port is required), got " + quoted(text));
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return error("IPv6 addresses go in brackets, e.g. [::1]:8443, got " + quoted(text));
    }

    endpoint ep;
    if (bracketed) {
        auto v6 = boost::urls::parse_ipv6_address(host);
        if (!v6)
            return error("not a valid IPv6 address in " + quoted(text));
        ep.host = v6->to_string();
    } else if (host.empty()) {
        return error(endpoint_hint + " (the host is required), got " + quoted(text));
    } else if (looks_like_ipv4(host)) {
        if (!is_ipv4_literal(host))
            return error("not a valid IPv4 address in " + quoted(text));
        ep.host = std::string(host);
    } else if (is_host_name(host)) {
        ep.host = lower(host);
    } else {
        return error(endpoint_hint + ", got " + quoted(text) + " (the host has characters a host name cannot have)");
    }

    auto n = to_unsigned(port);
    if (!n || *n < min_port || *n > 65535)
        return error(endpoint_hint + " with a port from " + std::to_string(min_port) + " to 65535, got " +
                     quoted(text));
    ep.port = static_cast<std::uint16_t>(*n);
    return ep;
}

}  // namespace

value_result<endpoint> parse_endpoint(std::string_view text)
{
    return parse_host_port(text, 1);
}

value_result<endpoint> parse_listen_address(std::string_view text)
{
    // Port 0 asks the kernel for a free port (tests; the proxy logs the one it got).
    auto ep = parse_host_port(text, 0);
    if (!ep)
        return ep;
    if (ep->host == "localhost") {
        ep->host = "127.0.0.1";
        return ep;
    }
    if (!is_ipv4_literal(ep->host) && !boost::urls::parse_ipv6_address(ep->host))
        return error("the host must be an IP address or localhost (no DNS names), got " + quoted(text));
    return ep;
}

value_result<proxy_listen> parse_proxy_listen(std::string_view text)
{
    constexpr std::string_view scheme = "unix:";
    // sockaddr_un::sun_path is 108 bytes on Linux, the terminating NUL included.
    constexpr std::size_t max_unix_path = 107;
    if (!text.starts_with(scheme)) {
        auto ep = parse_listen_address(text);
        if (!ep)
            return ep.error();
        proxy_listen tcp;
        tcp.tcp = std::move(*ep);
        return tcp;
    }
    auto path = text.substr(scheme.size());
    if (!path.starts_with('/') || path.ends_with('/'))
        return error("expected an absolute socket path after unix:, such as unix:/run/litmus-proxy/proxy.sock, got " +
                     quoted(text));
    if (path.size() > max_unix_path)
        return error("the socket path after unix: is longer than " + std::to_string(max_unix_path) +
                     " bytes, which a Unix-domain socket cannot hold, got " + quoted(text));
    proxy_listen unix_socket;
    unix_socket.unix_path = std::string(path);
    return unix_socket;
}

value_result<file_mode> parse_file_mode(std::string_view text)
{
    auto digits = text.size() == 4 && text.front() == '0' ? text.substr(1) : text;
    auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    if (digits.size() != 3 || !std::all_of(digits.begin(), digits.end(), is_octal))
        return error("expected an octal file mode such as \"0660\" (no setuid, setgid or sticky bits), got " +
                     quoted(text));
    std::uint32_t bits = 0;
    for (char c : digits)
        bits = bits * 8 + static_cast<std::uint32_t>(c - '0');
    return file_mode{bits};
}

std::string format_file_mode(file_mode m)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m.bits & 0777));
    return buf;
}

value_result<https_url> parse_https_url(std::string_view text)
{
    auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        // Never echo text that may carry a password ("https://user:pw@host").
        if (text.find('@') != std::string_view::npos)
            return error("must be an https URL such as https://api.litmus.com (value not shown: it contains '@')");
        return error("must be an https URL such as https://api.litmus.com, got " + quoted(text));
    }
    const auto& u = *parsed;
    if (u.has_userinfo())
        return error("must not contain a user name or password (value not shown); "
                     "client credentials belong in the credentials section");
    if (u.scheme_id() != boost::urls::scheme::https)
        return error("must be an https URL, got " + quoted(text));
    if (u.has_query())
        return error("must not have a query ('?...'), got a URL with one (value not shown)");
    if (u.has_fragment())
        return error("must not have a fragment ('#...'), got " + quoted(text));

    https_url out;
    switch (u.host_type()) {
    case boost::urls::host_type::name: {
        std::string_view name = u.encoded_host_name();
        if (name.empty())
            break;
        if (!is_host_name(name))
            return error("must name a valid host, got " + quoted(text));
        if (looks_like_ipv4(name))
            return error("not a valid IPv4 address in " + quoted(text));
        out.host = lower(name);
        break;
    }
    case boost::urls::host_type::ipv4:
        out.host = u.host_ipv4_address().to_string();
        break;
    case boost::urls::host_type::ipv6:
        out.host = u.host_ipv6_address().to_string();
        break;
    default:
        break;
    }
    if (out.host.empty())
        return error("must name a host, such as https://api.litmus.com, got " + quoted(text));

    if (u.has_port() && !u.port().empty()) {
        auto n = to_unsigned(u.port());
        if (!n || *n < 1 || *n > 65535)
            return error("the port must be from 1 to 65535, got " + quoted(text));
        out.port = static_cast<std::uint16_t>(*n);
    }

    std::string_view path = u.encoded_path();
    if (has_dot_segment(path))
        return error("the path must not contain '.' or '..' segments, got " + quoted(text));
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    out.path = std::string(path);
    return out;
}

namespace {

// A string is convertible to both sides of value_result<std::string>.
value_result<std::string> ok(std::string s)
{
    return {boost::system::in_place_value, std::move(s)};
}

}  // namespace

value_result<std::string> parse_host_name(std::string_view text)
{
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
        auto v6 = boost::urls::parse_ipv6_address(text.substr(1, text.size() - 2));
        if (!v6)
            return error("not a valid IPv6 address: " + quoted(text));
        return ok("[" + v6->to_string() + "]");
    }
    if (looks_like_ipv4(text)) {
        if (!is_ipv4_literal(text))
            return error("not a valid IPv4 address: " + quoted(text));
        return ok(std::string(text));
    }
    if (!is_host_name(text))
        return error("expected a host name without port or scheme, such as litmus-proxy.default.svc, got " +
                     quoted(text));
    return ok(lower(text));
}

value_result<std::string> parse_origin(std::string_view text)
{
    auto hint = [&] {
        return error("expected an origin such as https://app.example or http://localhost:3000 "
                     "(scheme, host and optional port; no path), got " + quoted(text));
    };
    auto sep = text.find("://");
    if (sep == std::string_view::npos)
        return hint();
    auto scheme = lower(text.substr(0, sep));
    if (scheme != "http" && scheme != "https")
        return hint();
    auto authority = text.substr(sep + 3);
    std::string_view host = authority;
    std::string_view port;
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        auto n = to_unsigned(port);
        if (!n || *n < 1 || *n > 65535)
            return hint();
    }
    auto name = parse_host_name(host);
    if (!name)
        return hint();
    std::string out = scheme + "://" + *name;
    if (!port.empty())
        out.append(":").append(port);
    return ok(std::move(out));
}

std::string format_duration(duration d)
{
    auto ms = d.count();
    if (ms != 0 && ms % 3'600'000 == 0)
        return std::to_string(ms / 3'600'000) + "h";
    if (ms != 0 && ms % 60'000 == 0)
        return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0)
        return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes)
{
    if (bytes != 0 && bytes % gib == 0)
        return std::to_string(bytes / gib) + "GiB";
    if (bytes != 0 && bytes % mib == 0)
        return std::to_string(bytes / mib) + "MiB";
    if (bytes != 0 && bytes % kib == 0)
        return std::to_string(bytes / kib) + "KiB";
    return std::to_string(bytes);
}

bool path_under(std::string_view inner, std::string_view outer)
{
    return inner.starts_with(outer) && (inner.size() == outer.size() || inner[outer.size()] == '/');
}

}  // namespace litmus::config

#include "proxy/routing/trust_boundary.hpp"

#include "proxy/core/ascii.hpp"

#include <boost/url/ipv6_address.hpp>

#include <arpa/inet.h>

#include <algorithm>

namespace litmus::routing {

namespace http = boost::beast::http;

namespace {

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

// Characters of a DNS name or IPv4 literal. RFC 3986 reg-name allows more
// (sub-delims, percent-encoding), but nothing a real client sends for a
// name we would accept, and each extra character is a parser to confuse.
bool is_name_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' || c == '_';
}

bool listed(std::string_view value, const std::vector<std::string>& list) noexcept
{
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& entry) { return litmus::iequals(entry, value); });
}

// Counts the fields named `name` and keeps the last value. Not equal_range():
// in Beast 1.81 it assumes same-name fields are adjacent.
std::size_t find_all(const http::fields& f, http::field name, std::string_view& value) noexcept
{
    std::size_t n = 0;
    for (const auto& field : f)
        if (field.name() == name) {
            value = field.value();
            ++n;
        }
    return n;
}

}  // namespace

boost::system::result<std::string_view, errc> host_of(std::string_view v) noexcept
{
    if (v.empty())
        return errc::invalid_host;
    std::string_view host = v;
    std::string_view port;
    if (v.front() == '[') {
        auto close = v.find(']');
        if (close == std::string_view::npos)
            return errc::invalid_host;
        host = v.substr(0, close + 1);
        auto rest = v.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return errc::invalid_host;
            port = rest.substr(1);
            if (port.empty())
                return errc::invalid_host;
        }
        auto inner = host.substr(1, host.size() - 2);
        if (!boost::urls::parse_ipv6_address(inner))
            return errc::invalid_host;
    } else {
        auto colon = v.find(':');
        if (colon != std::string_view::npos) {
            host = v.substr(0, colon);
            port = v.substr(colon + 1);
            if (port.empty())
                return errc::invalid_host;
        }
        if (host.empty() || !std::all_of(host.begin(), host.end(), is_name_char))
            return errc::invalid_host;
    }
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit))
        return errc::invalid_host;
    return host;
}

bool is_loopback_host(std::string_view host) noexcept
{
    if (litmus::iequals(host, "localhost"))
        return true;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        auto v6 = boost::urls::parse_ipv6_address(host.substr(1, host.size() - 2));
        // ::ffff:127.x.y.z reaches the IPv4 loopback on a dual-stack socket.
        return v6 && (v6->is_loopback() || (v6->is_v4_mapped() && v6->to_bytes()[12] == 127));
    }
    // Strict dotted decimal only: "127.1" or "0x7f.0.0.1" are valid to some
    // resolvers and not to others, which is exactly the ambiguity to refuse.
    // inet_pton's AF_INET form is that grammar (four decimal octets, no
    // leading zeros) and costs a fifth of Boost.URL's parser on every request.
    char text[INET_ADDRSTRLEN]{};
    if (host.size() >= sizeof text || host.find('\0') != std::string_view::npos)
        return false;  // a NUL would end the text early: "127.0.0.1\0.evil"
    host.copy(text, host.size());
    in_addr v4{};
    return inet_pton(AF_INET, text, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

boost::system::result<void, errc> check_host(const http::fields& f, const trust_policy& p)
{
    std::string_view value;
    if (find_all(f, http::field::host, value) != 1)
        return errc::invalid_host;
    auto host = host_of(value);
    if (!host)
        return host.error();
    if (is_loopback_host(*host) || listed(*host, p.upstream_hosts) || listed(*host, p.allowed_hosts))
        return {};
    return errc::host_not_allowed;
}

boost::system::result<void, errc> check_browser_origin(const http::fields& f, const trust_policy& p)
{
    std::string_view origin;
    auto origins = find_all(f, http::field::origin, origin);
    if (origins > 1)
        return errc::origin_not_allowed;
    bool origin_allowed = origins == 1 && listed(origin, p.allowed_origins);
    if (origins == 1 && !origin_allowed)
        return errc::origin_not_allowed;

    std::string_view site;
    auto sites = find_all(f, http::field::sec_fetch_site, site);
    if (sites == 0 || origin_allowed)
        return {};
    if (sites == 1 && (litmus::iequals(site, "none") || litmus::iequals(site, "same-origin")))
        return {};
    return errc::origin_not_allowed;
}

}  // namespace litmus::routing

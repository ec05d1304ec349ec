#include "proxy/routing/router.hpp"

#include "proxy/core/ascii.hpp"

namespace litmus::routing {

namespace {

// Host header or authority without port, for comparison with upstream hosts.
// Returns "" for a malformed value.
std::string_view host_part(std::string_view authority)
{
    if (authority.empty())
        return {};
    if (authority.front() == '[') {
        auto close = authority.find(']');
        return close == std::string_view::npos ? std::string_view{} : authority.substr(0, close + 1);
    }
    auto colon = authority.rfind(':');
    return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

// Reduces "%2e"/"%2E" to '.' for the dot-segment check only.
bool segment_is_dots(std::string_view seg)
{
    int dots = 0;
    for (std::size_t i = 0; i < seg.size();) {
        if (seg[i] == '.') {
            ++dots;
            ++i;
        } else if (seg[i] == '%' && i + 2 < seg.size() && seg[i + 1] == '2' &&
                   (seg[i + 2] == 'e' || seg[i + 2] == 'E')) {
            ++dots;
            i += 3;
        } else {
            return false;
        }
    }
    return dots == 1 || dots == 2;
}

}  // namespace

bool has_unsafe_target_chars(std::string_view target) noexcept
{
    auto hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    for (std::size_t i = 0; i < target.size(); ++i) {
        auto c = static_cast<unsigned char>(target[i]);
        if (c <= 0x20 || c >= 0x7f)
            return true;
        switch (c) {
        case '\\':  // a path separator to some servers: "/a\\..\\b" is a traversal there
        case '#':    // a fragment is never sent (RFC 9112 §3.2)
        case '"':
        case '<':
        case '>':
            return true;
        case '%':
            if (i + 2 >= target.size() || !hex(target[i + 1]) || !hex(target[i + 2]))
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

bool has_dot_segment(std::string_view path) noexcept
{
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        auto end = slash == std::string_view::npos ? path.size() : slash;
        if (segment_is_dots(path.substr(start, end - start)))
            return true;
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return false;
}

router::router(std::vector<route_entry> entries) : entries_(std::move(entries)) {}

boost::system::result<route, errc> router::match(std::string_view target, std::string_view host) const
{
    auto r = match_entry(target, host);
    if (r && !entries_[r->upstream].base_path.empty())
        r->target.insert(0, entries_[r->upstream].base_path);
    return r;
}

boost::system::result<route, errc> router::match_entry(std::string_view target, std::string_view host) const
{
    if (target.empty() || has_unsafe_target_chars(target))
        return errc::bad_request;
    if (target == "*")
        return errc::method_not_allowed;

    // Absolute form (a client using us as its http_proxy): the authority names
    // the upstream and the path goes as it is.
    if (target.front() != '/') {
        std::string_view rest;
        if (litmus::iequals(target.substr(0, 7), "http://"))
            rest = target.substr(7);
        else if (litmus::iequals(target.substr(0, 8), "https://"))
            rest = target.substr(8);
        else
            return errc::method_not_allowed;  // authority-form: CONNECT tunnels are not offered
        auto path_start = rest.find_first_of("/?");
        auto authority = rest.substr(0, path_start);
        if (authority.find('@') != std::string_view::npos)
            return errc::bad_request;  // userinfo in a proxy request is a known confusion vector
        std::string path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
        if (path.front() == '?')
            path.insert(0, 1, '/');
        auto name = host_part(authority);
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (!name.empty() && litmus::iequals(name, entries_[i].host)) {
                if (has_dot_segment(std::string_view(path).substr(0, path.find('?'))))
                    return errc::bad_request;
                return route{i, std::move(path)};
            }
        return errc::misdirected_request;
    }

    std::string_view path = target.substr(0, target.find('?'));
    if (has_dot_segment(path))
        return errc::bad_request;

    // A Host header naming an upstream wins over the prefix: the client said
    // exactly where it wants to go.
    auto name = host_part(host);
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (!name.empty() && litmus::iequals(name, entries_[i].host))
            return route{i, std::string(target)};

    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const auto& prefix = entries_[i].prefix;
        if (prefix.empty() || !path.starts_with(prefix))
            continue;
        // Whole segments only: "/api" matches "/api" and "/api/x", not "/apix".
        if (path.size() != prefix.size() && path[prefix.size()] != '/')
            continue;
        std::string stripped(target.substr(prefix.size()));
        if (stripped.empty() || stripped.front() != '/')
            stripped.insert(0, 1, '/');
        return route{i, std::move(stripped)};
    }
    return errc::route_not_found;
}

}  // namespace litmus::routing

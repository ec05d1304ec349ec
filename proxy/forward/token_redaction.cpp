#include "proxy/forward/token_redaction.hpp"

namespace litmus::forward {

bool echoes_token(std::string_view upstream_target) noexcept
{
    auto path = upstream_target.substr(0, upstream_target.find('?'));
    while (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    return path == "/v3/ping/authenticated";
}

namespace {

std::size_t replace_all(std::string& body, std::string_view token)
{
    std::size_t n = 0;
    for (auto pos = body.find(token); pos != std::string::npos; pos = body.find(token, pos + redacted_marker.size())) {
        body.replace(pos, token.size(), redacted_marker);
        ++n;
    }
    return n;
}

}  // namespace

std::size_t redact(std::string& body, std::string_view token)
{
    if (token.empty())
        return 0;
    std::size_t n = replace_all(body, token);
    // A token68 may hold '/', which JSON encoders may write as "\/"
    // (PHP and others do by default): the same token, spelled differently.
    if (token.find('/') != std::string_view::npos) {
        std::string escaped;
        for (char c : token) {
            if (c == '/')
                escaped += '\\';
            escaped += c;
        }
        n += replace_all(body, escaped);
    }
    return n;
}

}  // namespace litmus::forward

#include "proxy/config/config.hpp"

namespace litmus::config {

std::string https_url::authority() const
{
    // IPv6 hosts are stored without brackets (for connecting); the authority
    // form needs them back (RFC 3986 §3.2.2).
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != 443)
        out += ":" + std::to_string(port);
    return out;
}

}  // namespace litmus::config

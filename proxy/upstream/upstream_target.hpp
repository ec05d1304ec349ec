#pragma once
// Where and how to reach one TLS origin (an API upstream or the token endpoint).

#include "proxy/config/config.hpp"

#include <cstdint>
#include <string>

namespace litmus::upstream {

struct upstream_target {
    std::string name;          ///< "api", "instant", "token": logs and metrics
    std::string host;          ///< for SNI and certificate verification
    std::string authority;     ///< the Host header value
    std::string connect_host;  ///< TCP destination: the URL's host or `connect`
    std::uint16_t connect_port = 443;
};

/// The target for an https URL with an optional `connect:` override.
upstream_target make_target(std::string name, const config::https_url& url,
                            const std::optional<config::endpoint>& connect);

}  // namespace litmus::upstream

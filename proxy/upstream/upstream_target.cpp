#include "proxy/upstream/upstream_target.hpp"

namespace litmus::upstream {

upstream_target make_target(std::string name, const config::https_url& url,
                            const std::optional<config::endpoint>& connect)
{
    upstream_target t;
    t.name = std::move(name);
    t.host = url.host;
    t.authority = url.authority();
    t.connect_host = connect ? connect->host : url.host;
    t.connect_port = connect ? connect->port : url.port;
    return t;
}

}  // namespace litmus::upstream

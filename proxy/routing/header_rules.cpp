#include "proxy/routing/header_rules.hpp"

#include "proxy/core/ascii.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace litmus::routing {

namespace http = boost::beast::http;

boost::system::result<void, errc> check_request_framing(const http::request_header<>& f)
{
    if (f.version() / 10 != 1)
        return errc::version_not_supported;
    if (f.count(http::field::content_length) > 1)
        return errc::bad_request;
    // Not equal_range(): in Beast 1.81 it assumes same-name fields are
    // adjacent in the list, which a hostile request need not respect.
    std::string_view v;
    int transfer_encodings = 0;
    for (const auto& field : f)
        if (field.name() == http::field::transfer_encoding) {
            v = field.value();
            ++transfer_encodings;
        }
    if (transfer_encodings == 0)
        return {};
    if (transfer_encodings > 1 || f.version() < 11)
        return errc::bad_request;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    if (!litmus::iequals(v, "chunked"))
        return errc::bad_request;
    return {};
}

header_snapshot::header_snapshot(const http::fields& f)
{
    for (const auto& field : f)
        fields_.push_back(&field);
    std::sort(fields_.begin(), fields_.end());
}

std::size_t header_snapshot::drop_added(http::fields& f) const
{
    std::size_t dropped = 0;
    for (auto it = f.begin(); it != f.end();) {
        if (std::binary_search(fields_.begin(), fields_.end(), static_cast<const void*>(&*it))) {
            ++it;
        } else {
            it = f.erase(it);
            ++dropped;
        }
    }
    return dropped;
}

namespace {

bool is_hop_by_hop(http::field name)
{
    switch (name) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::proxy_authenticate:
    case http::field::proxy_authorization:
    case http::field::te:
    case http::field::trailer:
    case http::field::transfer_encoding:
    case http::field::upgrade:
        return true;
    default:
        return false;
    }
}

}  // namespace

void remove_hop_by_hop(http::fields& f)
{
    // Fields named by Connection are hop-by-hop too; collected (as views of
    // the Connection values, which stay until the end) before any goes.
    boost::container::small_vector<std::string_view, 8> named;
    for (const auto& field : f)
        if (field.name() == http::field::connection)
            for (auto token : http::token_list{field.value()})
                named.emplace_back(token);
    // Except Content-Length: it frames the message on both hops, so a peer
    // naming it in Connection (RFC 9110 §7.6.1 forbids that) must not make
    // the proxy send a body without framing, which the next hop would read
    // as another request.
    for (auto name : named)
        if (!litmus::iequals(name, "content-length") && !litmus::iequals(name, "connection"))
            f.erase(name);
    // One pass over the fields rather than an erase (a lookup comparing
    // names as strings) per hop-by-hop name, for every message both ways.
    for (auto it = f.begin(); it != f.end();)
        it = is_hop_by_hop(it->name()) ? f.erase(it) : std::next(it);
}

void prepare_upstream_request(http::fields& f, std::string_view upstream_authority,
                              std::string_view authorization)
{
    remove_hop_by_hop(f);
    f.erase(http::field::expect);
    f.set(http::field::host, upstream_authority);
    f.set(http::field::authorization, authorization);
}

}  // namespace litmus::routing

// libFuzzer harness: raw downstream bytes -> a fresh request parser with the
// session's limits -> the routing decision -> the upstream header rewrite.
// Checks the invariants the proxy's trust boundary rests on; a broken one
// traps, so libFuzzer saves the input.
//
// Input: byte 0 chooses how the bytes arrive (one piece or growing reads of
// 1..127 bytes, like a slow client) and whether the limits are the config
// defaults or the smallest allowed; the rest is what the client sent.

#include "proxy/config/config.hpp"
#include "proxy/core/ascii.hpp"
#include "proxy/routing/header_rules.hpp"
#include "proxy/routing/request_decision.hpp"
#include "proxy/routing/router.hpp"
#include "proxy/routing/trust_boundary.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace http = boost::beast::http;
using namespace litmus;

constexpr std::string_view bearer = "Bearer T";

// The default upstreams, one of them with a base path as an upstream URL
// path would give.
const routing::router& fuzz_router()
{
    static const routing::router r({{"api.litmus.com", "/api", ""},
                                    {"instant-api.litmus.com", "/instant", "/base"}});
    return r;
}

constexpr std::string_view authorities[] = {"api.litmus.com", "instant-api.litmus.com:8443"};

// `small`: limits low enough for short inputs to reach them.
routing::request_policy fuzz_policy(bool small)
{
    routing::request_policy p;
    if (small) {
        p.max_method_length = 8;
        p.max_target_length = 256;
    }
    p.trust.upstream_hosts = {"api.litmus.com", "instant-api.litmus.com"};
    p.trust.allowed_hosts = {"proxy.internal"};
    p.trust.allowed_origins = {"https://app.example"};
    return p;
}

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

bool listed(std::string_view v, const std::vector<std::string>& list)
{
    return std::any_of(list.begin(), list.end(), [&](const std::string& e) { return litmus::iequals(e, v); });
}

// The values of every field named `name`, counted by walking the list.
std::size_t count_fields(const http::fields& f, http::field name, std::string_view& last)
{
    std::size_t n = 0;
    for (const auto& field : f)
        if (field.name() == name) {
            last = field.value();
            ++n;
        }
    return n;
}

void check_target(std::string_view target)
{
    check(!target.empty() && target.front() == '/');
    for (char c : target)
        check(c != '\r' && c != '\n' && c != '\0' && c != ' ');
    check(!routing::has_dot_segment(target.substr(0, target.find('?'))));
}

// The trust boundary, restated: one Host naming this machine, an upstream
// or an allowed host; no browser request from an origin not allowed.
void check_caller(const http::request_header<>& req, const routing::trust_policy& trust)
{
    std::string_view host_value;
    check(count_fields(req, http::field::host, host_value) == 1);
    auto host = routing::host_of(host_value);
    check(host.has_value());
    check(routing::is_loopback_host(*host) || listed(*host, trust.upstream_hosts) ||
          listed(*host, trust.allowed_hosts));

    std::string_view origin;
    auto origins = count_fields(req, http::field::origin, origin);
    check(origins == 0 || (origins == 1 && listed(origin, trust.allowed_origins)));
    std::string_view site;
    auto sites = count_fields(req, http::field::sec_fetch_site, site);
    if (origins == 0 && sites > 0)
        check(sites == 1 && (litmus::iequals(site, "none") || litmus::iequals(site, "same-origin")));
}

void check_upstream_fields(const http::fields& received, std::string_view authority)
{
    http::fields f = received;
    routing::prepare_upstream_request(f, authority, bearer);
    std::string_view value;
    check(count_fields(f, http::field::authorization, value) == 1);
    check(value == bearer);
    check(f[http::field::authorization] == bearer);
    check(count_fields(f, http::field::host, value) == 1);
    check(value == authority);
    check(f[http::field::host] == authority);
    for (auto name : {http::field::connection, http::field::keep_alive, http::field::proxy_connection,
                      http::field::proxy_authorization, http::field::te, http::field::trailer,
                      http::field::transfer_encoding, http::field::upgrade, http::field::expect})
        check(count_fields(f, name, value) == 0);
    // What the client's Connection header named is gone too, except the two
    // fields the proxy sets itself.
    for (const auto& field : received)
        if (field.name() == http::field::connection)
            for (auto token : http::token_list{field.value()})
                if (!litmus::iequals(token, "host") && !litmus::iequals(token, "authorization"))
                    check(f.count(token) == 0);
}

using field_list = std::vector<std::pair<std::string, std::string>>;

field_list fields_of(const http::fields& f)
{
    field_list out;
    for (const auto& field : f)
        out.emplace_back(field.name_string(), field.value());
    return out;
}

struct decision {
    std::size_t upstream = 0;
    routing::header_snapshot snapshot;  ///< of the parser's own fields: identity matters
    field_list header;                  ///< the same fields, by value
};

// Called once the header is complete, as the session does after reading it.
std::optional<decision> decide(const http::request_header<>& req, bool small)
{
    static const auto policy_default = fuzz_policy(false);
    static const auto policy_small = fuzz_policy(true);
    const auto& policy = small ? policy_small : policy_default;

    auto route = routing::decide_request(req, fuzz_router(), policy);
    if (!route)
        return std::nullopt;
    check(routing::check_request_framing(req).has_value());
    check(req.version() / 10 == 1);  // HTTP/1.x (RFC 9112 §2.6: a higher minor is read as 1.1)
    // Any spelling: a server that matches method names loosely would still
    // reflect a "trace" with the injected credential.
    check(!litmus::iequals(req.method_string(), "TRACE") && !litmus::iequals(req.method_string(), "CONNECT"));
    check(req.method_string().size() <= policy.max_method_length);
    check(req.target().size() <= policy.max_target_length);
    check_caller(req, policy.trust);
    check(route->upstream < std::size(authorities));
    check_target(route->target);
    check_upstream_fields(req, authorities[route->upstream]);
    return decision{route->upstream, routing::header_snapshot(req), fields_of(req)};
}

// Once the body is complete: Beast has added any chunked trailer to the
// header fields; dropping what was added leaves exactly the header, and
// nothing of a trailer reaches the upstream.
void check_complete(http::request_header<>& req, const std::optional<decision>& d)
{
    if (!d)
        return;
    d->snapshot.drop_added(req);
    check(fields_of(req) == d->header);
    check_upstream_fields(req, authorities[d->upstream]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const unsigned mode = data[0];
    ++data;
    --size;
    const std::size_t step = (mode & 0x7f) == 0 ? size : (mode & 0x7f);
    const bool small = (mode & 0x80) != 0;

    config::downstream_config dcfg;
    http::request_parser<http::string_body> parser;
    parser.header_limit(small ? 1024 : dcfg.header_limit);
    parser.body_limit(small ? 64 : dcfg.body_limit);

    // Like the session's reads: the parser always sees everything received
    // and not yet consumed; each read adds up to `step` bytes.
    std::size_t used = 0;
    std::size_t received = 0;
    bool decided = false;
    std::optional<decision> d;
    boost::system::error_code ec;
    while (!parser.is_done()) {
        received = std::min(size, received + step);
        auto n = parser.put(boost::asio::const_buffer(data + used, received - used), ec);
        used += n;
        check(used <= received);
        if (ec == http::error::need_more) {
            ec = {};
            if (received == size)
                break;
            continue;
        }
        if (ec)
            break;
        if (parser.is_header_done() && !decided) {
            decided = true;
            d = decide(parser.get(), small);
            // The session streams a body over the replay limit through a
            // buffer_body parser instead; reading it into a string here
            // would only reserve up to 64 MiB per input.
            if (auto length = parser.content_length(); length && *length > dcfg.replay_limit)
                return 0;
        }
        if (n == 0 && received == size)
            break;
    }
    if (!ec && !parser.is_done())
        parser.put_eof(ec);
    if (!ec && parser.is_done()) {
        check(parser.is_header_done());
        if (!decided)
            d = decide(parser.get(), small);
        check(parser.get().body().size() <= (small ? 64u : dcfg.body_limit));
        check_complete(parser.get(), d);
    }
    return 0;
}

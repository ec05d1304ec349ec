#include "proxy/admin/readiness.hpp"

#include <boost/json.hpp>

namespace litmus::admin {

readiness readiness_of(const proxy_state& s) noexcept
{
    if (s.draining)
        return readiness::draining;
    if (s.token_valid)
        return readiness::ready;
    return s.token_error.empty() ? readiness::no_token : readiness::token_endpoint_failing;
}

std::string_view to_string(readiness r) noexcept
{
    switch (r) {
    case readiness::ready: return "ready";
    case readiness::no_token: return "no_token";
    case readiness::token_endpoint_failing: return "token_endpoint_failing";
    case readiness::draining: return "draining";
    }
    return "no_token";
}

std::string readiness_body(const proxy_state& s)
{
    auto r = readiness_of(s);
    if (r == readiness::ready)
        return R"({"status":"ready"})";
    boost::json::object o{{"status", "not_ready"}, {"reason", to_string(r)}};
    if (r == readiness::token_endpoint_failing)
        o["error"] = s.token_error;
    return boost::json::serialize(o);
}

std::string status_line(const proxy_state& s)
{
    switch (readiness_of(s)) {
    case readiness::ready: return "serving; token valid for " + std::to_string(s.token_valid_for.count()) + " s";
    case readiness::draining: return "draining";
    case readiness::token_endpoint_failing: return "waiting for a token: " + s.token_error;
    case readiness::no_token: break;
    }
    return "waiting for a token";
}

}  // namespace litmus::admin

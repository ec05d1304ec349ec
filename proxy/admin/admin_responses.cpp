#include "proxy/admin/admin_responses.hpp"

namespace litmus::admin {

namespace {

http::response<http::string_body> answer(http::status status, std::string_view content_type, std::string body)
{
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, content_type);
    // Probes and scrapes want the state now, never a cached one.
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace

http::response<http::string_body> admin_error(http::status status, std::string_view code, std::string_view message)
{
    boost::json::object o{{"error", code}, {"message", message}};
    return answer(status, "application/json", boost::json::serialize(o));
}

http::response<http::string_body> admin_response(const http::request_header<>& req, const admin_sources& src)
{
    auto target = req.target();
    auto path = target.substr(0, target.find('?'));
    if (path != "/metrics" && path != "/healthz" && path != "/readyz")
        return admin_error(http::status::not_found, "not_found",
                           "the admin listener serves only GET /metrics, /healthz and /readyz");
    auto method = req.method();
    if (method != http::verb::get && method != http::verb::head) {
        auto res = admin_error(http::status::method_not_allowed, "method_not_allowed",
                               "the admin endpoints are read-only: use GET or HEAD");
        res.set(http::field::allow, "GET, HEAD");
        return res;
    }

    http::response<http::string_body> res;
    if (path == "/metrics") {
        res = answer(http::status::ok, metrics_content_type, src.metrics_text());
    } else if (path == "/healthz") {
        // Answering at all is the health check: the event loop is serving.
        res = answer(http::status::ok, "application/json", R"({"status":"ok"})");
    } else {
        auto state = src.state();
        res = answer(readiness_of(state) == readiness::ready ? http::status::ok : http::status::service_unavailable,
                     "application/json", readiness_body(state));
    }
    if (method == http::verb::head)
        res.body().clear();  // Content-Length stays that of the GET answer (RFC 9110 §9.3.2)
    return res;
}

}  // namespace litmus::admin

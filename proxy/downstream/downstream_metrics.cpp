#include "proxy/downstream/downstream_metrics.hpp"

#include "proxy/core/metric_builders.hpp"

#include <algorithm>

namespace litmus::downstream {

std::size_t method_index(http::verb v) noexcept
{
    switch (v) {
    case http::verb::get: return 0;
    case http::verb::head: return 1;
    case http::verb::post: return 2;
    case http::verb::put: return 3;
    case http::verb::patch: return 4;
    case http::verb::delete_: return 5;
    case http::verb::options: return 6;
    default: return method_labels.size() - 1;
    }
}

downstream_metrics::downstream_metrics(prometheus::Registry& r, const std::vector<std::string>& routes)
    : requests_in_flight(add_gauge(r, "litmus_proxy_requests_in_flight",
                                   "Requests being read, forwarded or answered right now")),
      connections_open(add_gauge(r, "litmus_proxy_downstream_connections_open", "Open client connections")),
      connections(add_counter(r, "litmus_proxy_downstream_connections_total", "Client connections accepted"))
{
    auto all_routes = routes;
    all_routes.push_back("none");  // requests refused before a route was chosen
    for (const auto& route : all_routes) {
        auto& by_method = requests_.emplace_back();
        for (std::size_t m = 0; m < method_labels.size(); ++m)
            for (std::size_t c = 0; c < 5; ++c)
                by_method[m][c] = &add_counter(r, "litmus_proxy_requests_total",
                                               "Requests answered, by route, method and status class",
                                               {{"route", route},
                                                {"method", std::string(method_labels[m])},
                                                {"code", std::to_string(c + 1) + "xx"}});
        durations_.push_back(&add_latency_histogram(
            r, "litmus_proxy_request_duration_seconds",
            "Time from a request's first byte to the end of its response, by route", {{"route", route}}));
    }
}

prometheus::Counter& downstream_metrics::request(std::size_t route, http::verb method, unsigned status) noexcept
{
    auto cls = std::clamp<unsigned>(status / 100, 1, 5);
    return *requests_[std::min(route, requests_.size() - 1)][method_index(method)][cls - 1];
}

}  // namespace litmus::downstream

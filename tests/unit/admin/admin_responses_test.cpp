#include "proxy/admin/admin_responses.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::admin {

namespace {

struct sources_fixture {
    proxy_state current;
    int metrics_calls = 0;
    admin_sources sources{[this] {
                              ++metrics_calls;
                              return std::string("# TYPE litmus_proxy_x counter\nlitmus_proxy_x 1\n");
                          },
                          [this] { return current; }};

    http::response<http::string_body> answer(http::verb method, std::string_view target)
    {
        http::request_header<> req;
        req.method(method);
        req.target(target);
        req.version(11);
        return admin_response(req, sources);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_responses_test)

BOOST_FIXTURE_TEST_CASE(metrics_are_served_in_the_prometheus_text_format, sources_fixture)
{
    auto res = answer(http::verb::get, "/metrics");
    BOOST_TEST(res.result_int() == 200);
    BOOST_TEST(res[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    BOOST_TEST(res.body() == "# TYPE litmus_proxy_x counter\nlitmus_proxy_x 1\n");
    BOOST_TEST(res[http::field::content_length] == std::to_string(res.body().size()));
    BOOST_TEST(res[http::field::cache_control] == "no-store");
    // A query string does not change the path (some scrapers add one).
    BOOST_TEST(answer(http::verb::get, "/metrics?name[]=x").result_int() == 200);
}

BOOST_FIXTURE_TEST_CASE(readyz_follows_the_state_and_healthz_does_not, sources_fixture)
{
    BOOST_TEST(answer(http::verb::get, "/readyz").result_int() == 503);
    BOOST_TEST(answer(http::verb::get, "/healthz").result_int() == 200);
    current.token_valid = true;
    BOOST_TEST(answer(http::verb::get, "/readyz").result_int() == 200);
    current.draining = true;
    BOOST_TEST(answer(http::verb::get, "/readyz").result_int() == 503);
    BOOST_TEST(answer(http::verb::get, "/healthz").result_int() == 200);
    BOOST_TEST(metrics_calls == 0, "only /metrics renders the metrics");
}

BOOST_FIXTURE_TEST_CASE(head_sends_the_get_length_without_a_body, sources_fixture)
{
    auto get = answer(http::verb::get, "/healthz");
    auto head = answer(http::verb::head, "/healthz");
    BOOST_TEST(head.result_int() == 200);
    BOOST_TEST(head.body().empty());
    BOOST_TEST(head[http::field::content_length] == std::to_string(get.body().size()));
}

BOOST_FIXTURE_TEST_CASE(other_methods_are_405_and_other_paths_404_without_echoing_the_request, sources_fixture)
{
    for (auto m : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::options, http::verb::trace}) {
        auto res = answer(m, "/metrics");
        BOOST_TEST(res.result_int() == 405);
        BOOST_TEST(res[http::field::allow] == "GET, HEAD");
    }
    BOOST_TEST(answer(http::verb::get, "/").result_int() == 404);
    for (auto target : {"/metrics/", "/Metrics", "/healthz/../metrics", "/api/v2/users/current",
                        "http://api.litmus.com/metrics", "*", "/<script>"}) {
        auto res = answer(http::verb::get, target);
        BOOST_TEST(res.result_int() == 404, target);
        BOOST_TEST(res[http::field::content_type] == "application/json");
        BOOST_TEST(res.body().find(target) == std::string::npos, "no echo of " << target);
    }
    BOOST_TEST(metrics_calls == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::admin

#include "proxy/token/token_source.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::token {

using namespace std::chrono_literals;

namespace {

// The token source's shell on a real io_context, with the fetch replaced by
// a function: no sockets, and every wait is on an event the test causes.
struct source_fixture {
    net::io_context ioc;
    config::token_config cfg;
    admin::proxy_metrics metrics{{}};
    int fetches = 0;
    std::function<fetch_result()> answer = [this] {
        token_response r;
        r.access_token = "tok" + std::to_string(fetches);
        r.lifetime = 3600s;
        return fetch_result{r};
    };
    std::unique_ptr<token_source> source;

    source_fixture()
    {
        cfg.backoff_initial = 10ms;
        cfg.backoff_max = 20ms;
        cfg.wait_timeout = 5s;
        source = std::make_unique<token_source>(
            ioc.get_executor(), cfg,
            [this](token_grant) -> net::awaitable<fetch_result> {
                ++fetches;
                co_return answer();
            },
            token_grant{}, metrics, "test");
    }

    // Runs until `done`, bounded so a hang fails instead of blocking ctest.
    void run_until(const bool& done)
    {
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done && std::chrono::steady_clock::now() < deadline)
            ioc.run_one_for(100ms);
        source->stop();
        ioc.poll();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(token_source_test)

BOOST_FIXTURE_TEST_CASE(concurrent_waiters_share_one_fetch, source_fixture)
{
    std::vector<std::string> got;
    int finished = 0;
    bool done = false;
    for (int i = 0; i < 100; ++i)
        net::co_spawn(ioc, [&]() -> net::awaitable<void> {
            auto t = co_await source->get();
            if (t)
                got.emplace_back((*t)->authorization);
            done = ++finished == 100;
        }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    source->start();
    run_until(done);
    BOOST_TEST(finished == 100);
    BOOST_TEST(fetches == 1);
    BOOST_TEST_REQUIRE(got.size() == 100u);
    BOOST_TEST(std::all_of(got.begin(), got.end(), [](const auto& a) { return a == "Bearer tok1"; }));
    BOOST_TEST(metrics.token_fetch(grant_kind::client_credentials, admin::fetch_outcome::success).Value() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(a_fetch_that_throws_is_a_failure_retried_under_backoff, source_fixture)
{
    auto normal = answer;
    answer = [&]() -> fetch_result {
        if (fetches == 1)
            throw std::runtime_error("boom");
        return normal();
    };
    bool done = false;
    std::string got;
    net::co_spawn(ioc, [&]() -> net::awaitable<void> {
        auto t = co_await source->get();
        if (t)
            got = (*t)->authorization;
        done = true;
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    source->start();
    run_until(done);
    BOOST_TEST(fetches == 2);
    BOOST_TEST(got == "Bearer tok2");
    BOOST_TEST(metrics.token_fetch(grant_kind::client_credentials, admin::fetch_outcome::failed).Value() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(no_token_within_wait_timeout_is_token_unavailable, source_fixture)
{
    cfg.wait_timeout = 50ms;
    answer = [] { return fetch_result{token_failure{errc::token_endpoint_failed, 503, "down"}}; };
    bool done = false;
    std::optional<errc> error;
    net::co_spawn(ioc, [&]() -> net::awaitable<void> {
        auto t = co_await source->get();
        if (!t)
            error = static_cast<errc>(t.error().value());
        done = true;
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    source->start();
    run_until(done);
    BOOST_TEST_REQUIRE(error.has_value());
    BOOST_TEST((*error == errc::token_unavailable));
    // It kept retrying under backoff while the request waited.
    BOOST_TEST(fetches >= 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::token

// The pool takes "now" from its clock: whether an idle connection is too old
// to reuse is decided on mock time (pool_rules_test tables the rule itself).
// The connections are plain TCP on loopback: the idle checks only peek the
// socket, so no TLS is needed, and nothing waits on real time.

#include "proxy/upstream/upstream_pool.ipp"

#include "tests/unit/token/mock_clock.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::upstream {

using namespace std::chrono_literals;
using test::mock_clock;
using mock_pool = basic_upstream_pool<mock_clock>;

namespace {

struct pool_fixture {
    net::io_context ioc;
    ssl::context tls{ssl::context::tls_client};
    config::upstream_defaults_config cfg;
    prometheus::Registry registry;
    upstream_metrics metrics{registry, "api"};
    tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    std::vector<tcp::socket> peers;  // the server ends: open and quiet, so a peek sees nothing
    std::unique_ptr<mock_pool> pool;

    pool_fixture()
    {
        mock_clock::reset();
        cfg.idle_timeout = 30s;
        // A new connection goes to a port nobody listens on: refused at once,
        // so a test sees "not reused" without a handshake or a timeout.
        upstream_target target;
        target.name = "api";
        target.host = "api.litmus.com";
        target.authority = "api.litmus.com";
        target.connect_host = "127.0.0.1";
        target.connect_port = closed_port();
        pool = std::make_unique<mock_pool>(tls, target, cfg, metrics);
    }

    std::uint16_t closed_port()
    {
        tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
        return a.local_endpoint().port();  // closed when `a` goes
    }

    // A connection as the pool would hold it after a response.
    std::unique_ptr<upstream_connection> connection()
    {
        auto c = std::make_unique<upstream_connection>(ioc.get_executor(), tls);
        beast::get_lowest_layer(c->stream).socket().connect(acceptor.local_endpoint());
        peers.push_back(acceptor.accept());
        return c;
    }

    boost::system::result<lease, errc> acquire()
    {
        std::optional<boost::system::result<lease, errc>> out;
        net::co_spawn(ioc, pool->acquire(), [&](std::exception_ptr e, boost::system::result<lease, errc> r) {
            if (e)
                std::rethrow_exception(e);
            out = std::move(r);
        });
        ioc.restart();
        ioc.run_for(10s);  // returns as soon as acquire() is done; the bound only stops a hang
        BOOST_TEST_REQUIRE(out.has_value());
        return std::move(*out);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(upstream_pool_test)

BOOST_FIXTURE_TEST_CASE(idle_connection_is_reused_until_idle_timeout_of_mock_time, pool_fixture)
{
    auto c = connection();
    auto* raw = c.get();
    pool->release(std::move(c), true);
    BOOST_TEST(metrics.connections_idle.Value() == 1.0);
    mock_clock::advance_time_by(30s - 1ms);
    auto l = acquire();
    BOOST_TEST_REQUIRE(l.has_value());
    BOOST_TEST(l->reused);
    BOOST_TEST(l->connection.get() == raw);
    BOOST_TEST(metrics.connections_idle.Value() == 0.0);
    BOOST_TEST(metrics.reuses.Value() == 1.0);
    BOOST_TEST(metrics.idle_discarded.Value() == 0.0);
}

BOOST_FIXTURE_TEST_CASE(idle_connection_is_not_reused_after_idle_timeout_of_mock_time, pool_fixture)
{
    pool->release(connection(), true);
    mock_clock::advance_time_by(30s);
    auto l = acquire();
    // Discarded, so the pool dialled a new connection (refused here).
    BOOST_TEST(!l.has_value());
    BOOST_TEST(metrics.idle_discarded.Value() == 1.0);
    BOOST_TEST(metrics.reuses.Value() == 0.0);
    BOOST_TEST(metrics.connect_failures.Value() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(idle_time_counts_from_the_last_release, pool_fixture)
{
    pool->release(connection(), true);
    mock_clock::advance_time_by(20s);
    auto l = acquire();
    BOOST_TEST_REQUIRE(l.has_value());
    pool->release(std::move(l->connection), true);
    mock_clock::advance_time_by(20s);  // 40 s since the first release, 20 s idle
    auto again = acquire();
    BOOST_TEST_REQUIRE(again.has_value());
    BOOST_TEST(again->reused);
    BOOST_TEST(metrics.reuses.Value() == 2.0);
}

// take_idle, acquire's answer without a connect (the forwarder's fast path):
// the most recently released fit connection, the unfit closed on the way,
// nothing with `fresh` or when none is left.
BOOST_FIXTURE_TEST_CASE(take_idle_gives_a_fit_idle_connection_or_nothing, pool_fixture)
{
    pool->release(connection(), true);
    mock_clock::advance_time_by(30s);  // the first one is now too old
    auto newer = connection();
    auto* newer_raw = newer.get();
    pool->release(std::move(newer), true);

    BOOST_TEST(!pool->take_idle(true));  // fresh: never an idle one
    BOOST_TEST(metrics.connections_idle.Value() == 2.0);
    auto taken = pool->take_idle();
    BOOST_TEST(taken.get() == newer_raw);
    BOOST_TEST(metrics.reuses.Value() == 1.0);
    BOOST_TEST(!pool->take_idle());  // the older one is discarded, none is left
    BOOST_TEST(metrics.idle_discarded.Value() == 1.0);
    BOOST_TEST(metrics.connections_idle.Value() == 0.0);
    BOOST_TEST(metrics.connect_failures.Value() == 0.0);  // nothing dialled
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::upstream

#include "proxy/routing/header_rules.hpp"
#include "proxy/routing/retry_policy.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/test/unit_test.hpp>

namespace litmus::routing {

namespace http = boost::beast::http;

BOOST_AUTO_TEST_SUITE(header_rules_test)

BOOST_AUTO_TEST_CASE(framing_refuses_smuggling_shapes)
{
    struct row {
        std::vector<std::pair<std::string, std::string>> fields;
        bool ok;
        unsigned version = 11;
    };
    const row rows[] = {
        // RFC 9112 §6.1: any Transfer-Encoding in HTTP/1.0 is faulty framing.
        {{{"Transfer-Encoding", "chunked"}}, false, 10},
        {{{"Content-Length", "5"}}, true, 10},
        {{}, false, 20},
        {{}, false, 9},
        {{}, true, 12},
        {{{"Content-Length", "5"}}, true},
        {{{"Transfer-Encoding", "chunked"}}, true},
        {{{"Transfer-Encoding", " Chunked "}}, true},
        {{}, true},
        {{{"Content-Length", "5"}, {"Content-Length", "5"}}, false},
        {{{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}, false},
        {{{"Transfer-Encoding", "gzip"}}, false},
        {{{"Transfer-Encoding", "gzip, chunked"}}, false},
        {{{"Transfer-Encoding", "chunked, chunked"}}, false},
        {{{"Transfer-Encoding", "chunked"}, {"X-A", "1"}, {"Transfer-Encoding", "identity"}}, false},
    };
    for (const auto& r : rows) {
        http::request_header<> f;
        f.version(r.version);
        for (const auto& [k, v] : r.fields)
            f.insert(k, v);
        BOOST_TEST(check_request_framing(f).has_value() == r.ok);
    }
}

BOOST_AUTO_TEST_CASE(connection_cannot_remove_the_framing_or_the_injected_fields)
{
    http::fields f;
    f.insert(http::field::connection, "Content-Length, Host, Authorization");
    f.insert(http::field::content_length, "10");
    f.insert(http::field::host, "localhost");
    f.insert(http::field::authorization, "Bearer client");
    prepare_upstream_request(f, "api.litmus.com", "Bearer real");
    BOOST_TEST(f[http::field::content_length] == "10");
    BOOST_TEST(f.count(http::field::host) == 1u);
    BOOST_TEST(f[http::field::host] == "api.litmus.com");
    BOOST_TEST(f.count(http::field::authorization) == 1u);
    BOOST_TEST(f[http::field::authorization] == "Bearer real");
    BOOST_TEST(f.count(http::field::connection) == 0u);
}

BOOST_AUTO_TEST_CASE(trailer_fields_are_dropped_header_fields_kept)
{
    http::fields f;
    f.insert(http::field::host, "api.litmus.com");
    f.insert(http::field::authorization, "Bearer injected");
    f.insert(http::field::transfer_encoding, "chunked");
    header_snapshot header(f);
    // What Beast's parser does with a trailer section: inserts each field
    // after the last of the same name, so trailers can sit mid-list.
    f.insert(http::field::host, "evil.example");
    f.insert(http::field::authorization, "Bearer from-the-trailer");
    f.insert("X-Trailer", "1");
    BOOST_TEST(header.drop_added(f) == 3u);
    BOOST_TEST(f.count(http::field::host) == 1u);
    BOOST_TEST(f[http::field::host] == "api.litmus.com");
    BOOST_TEST(f.count(http::field::authorization) == 1u);
    BOOST_TEST(f[http::field::authorization] == "Bearer injected");
    BOOST_TEST(f[http::field::transfer_encoding] == "chunked");
    BOOST_TEST(header.drop_added(f) == 0u);
}

BOOST_AUTO_TEST_CASE(upstream_request_loses_hop_by_hop_and_client_credentials)
{
    http::fields f;
    f.insert(http::field::connection, "keep-alive, X-Secret-Hop");
    f.insert("X-Secret-Hop", "1");
    f.insert(http::field::keep_alive, "timeout=5");
    f.insert(http::field::proxy_authorization, "Basic abc");
    f.insert(http::field::te, "trailers");
    f.insert(http::field::upgrade, "websocket");
    f.insert(http::field::authorization, "Bearer client-made-this-up");
    f.insert(http::field::authorization, "Basic second");
    f.insert(http::field::host, "localhost:8080");
    f.insert(http::field::expect, "100-continue");
    f.insert(http::field::content_type, "application/json");
    f.insert("X-Request-Id", "abc");

    prepare_upstream_request(f, "api.litmus.com", "Bearer real");

    BOOST_TEST(f.count(http::field::connection) == 0u);
    BOOST_TEST(f.count("X-Secret-Hop") == 0u);
    BOOST_TEST(f.count(http::field::keep_alive) == 0u);
    BOOST_TEST(f.count(http::field::proxy_authorization) == 0u);
    BOOST_TEST(f.count(http::field::te) == 0u);
    BOOST_TEST(f.count(http::field::upgrade) == 0u);
    BOOST_TEST(f.count(http::field::expect) == 0u);
    BOOST_TEST(f.count(http::field::authorization) == 1u);
    BOOST_TEST(f[http::field::authorization] == "Bearer real");
    BOOST_TEST(f[http::field::host] == "api.litmus.com");
    BOOST_TEST(f[http::field::content_type] == "application/json");
    BOOST_TEST(f["X-Request-Id"] == "abc");
}

BOOST_AUTO_TEST_CASE(retry_at_most_once_and_only_when_safe)
{
    BOOST_TEST(may_retry(1, attempt_failure::unauthorized, true, false));
    BOOST_TEST(may_retry(1, attempt_failure::unauthorized, true, true));
    BOOST_TEST(!may_retry(2, attempt_failure::unauthorized, true, false));
    BOOST_TEST(!may_retry(1, attempt_failure::unauthorized, false, false));
    BOOST_TEST(may_retry(1, attempt_failure::stale_connection, true, true));
    BOOST_TEST(!may_retry(1, attempt_failure::stale_connection, true, false));
    BOOST_TEST(!may_retry(2, attempt_failure::stale_connection, true, true));
    BOOST_TEST(!may_retry(1, attempt_failure::stale_connection, false, true));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::routing

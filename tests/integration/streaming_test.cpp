// Request bodies that are streamed rather than buffered, and request shapes
// that are refused before anything is forwarded.

#include "tests/integration/proxy_fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

BOOST_AUTO_TEST_SUITE(streaming_test)

BOOST_AUTO_TEST_CASE(bodies_over_the_replay_limit_and_chunked_bodies_stream_through_exactly)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", "downstream:\n  replay_limit: 1KiB\n  body_limit: 1MiB\n"));
    http_client c(proxy.port());

    std::string big(200 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>('a' + i % 26);
    auto r = c.request(http::verb::post, "/api/v2/uploads", {{"Content-Type", "text/plain"}}, big);
    BOOST_TEST_REQUIRE(r.status == 200u);
    BOOST_TEST((r.json().at("body").as_string() == big));

    // Chunked request bodies are streamed and re-chunked upstream.
    std::string chunked = "POST /api/v2/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                          "Content-Type: text/plain\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
    auto rc = c.raw(chunked);
    BOOST_TEST_REQUIRE(rc.status == 200u);
    BOOST_TEST(rc.json().at("body").as_string() == "hello, world");

    // The keep-alive connection is still good after both.
    BOOST_TEST(c.request(http::verb::get, "/api/v2/users/current").status == 200u);
    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 3u);
    BOOST_TEST(api[0].header("Content-Length") == std::to_string(big.size()));
    BOOST_TEST(api[1].body == "hello, world");

    // Over body_limit: refused with 413 before anything is forwarded.
    http_client c2(proxy.port());
    auto too_big = c2.raw("POST /api/v2/uploads HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
    BOOST_TEST(too_big.status == 413u);
    BOOST_TEST(too_big.header("Litmus-Proxy-Error") == "body_too_large");
    BOOST_TEST(fake.api_request_count() == 3u);
}

// "Connection: Content-Length" would make a naive hop-by-hop filter drop the
// framing of a streamed body, and the upstream would read the body as more
// requests on the connection.
BOOST_AUTO_TEST_CASE(a_streamed_body_keeps_its_framing_whatever_connection_names)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", "downstream:\n  replay_limit: 1KiB\n  body_limit: 1MiB\n"));
    std::string smuggled = "GET /v2/users/current HTTP/1.1\r\nHost: api.litmus.com\r\n\r\n";
    std::string body = smuggled + std::string(4096 - smuggled.size(), 'x');
    http_client c(proxy.port());
    auto r = c.raw("POST /api/v2/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Content-Length\r\n"
                   "Content-Length: 4096\r\n\r\n" + body);
    BOOST_TEST_REQUIRE(r.status == 200u);
    BOOST_TEST((r.json().at("body").as_string() == body));
    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 1u);
    BOOST_TEST(api[0].header("Content-Length") == "4096");
}

BOOST_AUTO_TEST_CASE(smuggling_shapes_and_oversized_headers_are_refused_and_closed)
{
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", "downstream:\n  header_limit: 2KiB\n"));
    struct row {
        std::string bytes;
        unsigned status;
    };
    const row rows[] = {
        {"POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400},
        {"POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
        {"POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nhello", 400},
        {"POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"GET /api/x HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4096, 'x') + "\r\n\r\n", 431},
        {"GET /api/x HTTP/1.1\r\nHost: a\r\nBad Header: 1\r\n\r\n", 400},
        {"GET /api/x\r\n\r\n", 400},
    };
    for (const auto& t : rows) {
        BOOST_TEST_CONTEXT(t.bytes.substr(0, 80))
        {
            http_client c(proxy.port());
            auto r = c.raw(t.bytes);
            BOOST_TEST(r.status == t.status);
            BOOST_TEST(r.header("Connection") == "close");
            BOOST_TEST(!r.json().at("error").as_string().empty());
        }
    }
    BOOST_TEST(fake.api_request_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

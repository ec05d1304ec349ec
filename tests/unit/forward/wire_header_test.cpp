#include "proxy/forward/wire_header.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>

namespace litmus::forward {

namespace {

// Beast's own serializer is the reference: the bytes must be the ones it
// would have written for the same header.
template <bool IsRequest>
std::string beast_bytes(const http::header<IsRequest>& h)
{
    std::ostringstream os;
    os << h;
    return os.str();
}

template <bool IsRequest>
std::string our_bytes(const http::header<IsRequest>& h)
{
    std::string out = "kept:";
    append_wire_header(out, h);
    BOOST_TEST_REQUIRE(out.rfind("kept:", 0) == 0u);  // appends, never replaces
    return out.substr(5);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wire_header_test)

BOOST_AUTO_TEST_CASE(a_request_header_is_written_as_beast_writes_it)
{
    http::request_header<> h;
    h.method(http::verb::post);
    h.target("/v1/emails?page=2");
    h.version(11);
    h.set(http::field::host, "api.litmus.com");
    h.set(http::field::authorization, "Bearer t");
    h.insert("X-Custom", "a, b");
    h.insert("x-custom", "second");
    h.set(http::field::content_length, "12");
    BOOST_TEST(our_bytes(h) == beast_bytes(h));
    BOOST_TEST(our_bytes(h).rfind("POST /v1/emails?page=2 HTTP/1.1\r\nHost: api.litmus.com\r\n", 0) == 0u);
    BOOST_TEST(our_bytes(h).find("X-Custom: a, b\r\nx-custom: second\r\n") != std::string::npos);
}

// Fields are copied as the lines Beast stores: those it parsed, those set
// or inserted, empty values, and what remains after erasures.
BOOST_AUTO_TEST_CASE(parsed_set_empty_and_erased_fields_are_written_as_beast_writes_them)
{
    http::request_parser<http::empty_body> parser;
    error_code ec;
    std::string_view wire = "GET /x HTTP/1.1\r\nHost:  h \r\nX-Empty:\r\nX-Gone: 1\r\nAccept: */*\r\n\r\n";
    parser.put(net::buffer(wire.data(), wire.size()), ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST_REQUIRE(parser.is_header_done());
    auto& h = parser.get().base();
    h.erase("X-Gone");
    h.set(http::field::authorization, "");
    h.insert("X-Long", std::string(5000, 'v'));
    BOOST_TEST(our_bytes(h) == beast_bytes(h));
    BOOST_TEST(our_bytes(h) == "GET /x HTTP/1.1\r\nHost: h\r\nX-Empty: \r\nAccept: */*\r\nAuthorization: \r\nX-Long: " +
                                  std::string(5000, 'v') + "\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(an_unknown_method_keeps_its_spelling)
{
    http::request_header<> h;
    h.method_string("PURGE");
    h.target("/");
    h.version(11);
    BOOST_TEST(our_bytes(h) == "PURGE / HTTP/1.1\r\n\r\n");
    BOOST_TEST(our_bytes(h) == beast_bytes(h));
}

BOOST_AUTO_TEST_CASE(a_response_keeps_its_reason_or_gets_the_standard_one)
{
    http::response_header<> h;
    h.version(11);
    h.result(http::status::not_found);
    h.reason("Nope");
    h.set(http::field::content_length, "0");
    BOOST_TEST(our_bytes(h) == "HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n");
    BOOST_TEST(our_bytes(h) == beast_bytes(h));

    h.reason("");
    BOOST_TEST(our_bytes(h) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    BOOST_TEST(our_bytes(h) == beast_bytes(h));
}

BOOST_AUTO_TEST_CASE(an_http_1_0_response_and_an_unregistered_status)
{
    http::response_header<> h;
    h.version(10);
    h.result(299);
    h.set(http::field::connection, "keep-alive");
    BOOST_TEST(our_bytes(h).rfind("HTTP/1.0 299 ", 0) == 0u);
    BOOST_TEST(our_bytes(h) == beast_bytes(h));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::forward

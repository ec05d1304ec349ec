#include "proxy/core/ascii.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string_view>

namespace litmus {

BOOST_AUTO_TEST_SUITE(ascii_test)

BOOST_AUTO_TEST_CASE(iequals_ignores_ascii_case_only)
{
    BOOST_TEST(iequals("TRACE", "trace"));
    BOOST_TEST(iequals("Chunked", "chunked"));
    BOOST_TEST(iequals("", ""));
    BOOST_TEST(!iequals("chunked", "chunked "));
    BOOST_TEST(!iequals("trace", "tracf"));
    BOOST_TEST(!iequals("\xc3\xa9", "\xc3\x89"));  // é / É: not ASCII, not folded
    BOOST_TEST(!iequals("[", "{"));                // 0x5b and 0x7b differ by 0x20 but are no letters
}

// beast::iequals (Boost 1.81) reads one byte past its arguments when they
// differ in case; under ASan this test would report it if we did the same.
BOOST_AUTO_TEST_CASE(iequals_reads_nothing_past_its_arguments)
{
    auto a = std::make_unique<char[]>(5);
    auto b = std::make_unique<char[]>(5);
    std::string_view("TRACE").copy(a.get(), 5);
    std::string_view("trace").copy(b.get(), 5);
    BOOST_TEST(iequals({a.get(), 5}, {b.get(), 5}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus

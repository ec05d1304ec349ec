// The Litmus authorize URL: the OAuth parameters added, every value
// percent-encoded so it arrives unchanged, the configured URL's own query
// kept.

#include "proxy/users/authorize_url.hpp"

#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <map>

namespace litmus::users {

namespace {

/// The decoded query parameters of `url`, as a server reads them ('+' is
/// not a space here: a '+' that was meant literally must have been encoded).
std::multimap<std::string, std::string> params_of(const std::string& url)
{
    std::multimap<std::string, std::string> out;
    auto view = boost::urls::parse_absolute_uri(url).value();
    for (auto p : view.params())
        out.emplace(p.key, p.value);
    return out;
}

std::string query_of(const std::string& url)
{
    return std::string(boost::urls::parse_absolute_uri(url).value().encoded_query());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(authorize_url_test)

BOOST_AUTO_TEST_CASE(adds_the_oauth_parameters_in_order)
{
    auto url = make_authorize_url("https://litmus.com/oauth/authorize", "client-1", "https://app.example/cb", "st4te");
    BOOST_TEST_REQUIRE(url.has_value());
    BOOST_TEST(*url == "https://litmus.com/oauth/authorize?response_type=code&client_id=client-1"
                       "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=st4te&scope=full");
}

BOOST_AUTO_TEST_CASE(redirect_uri_is_left_out_when_none_was_given)
{
    auto url = make_authorize_url("https://litmus.com/oauth/authorize", "c", "", "s");
    BOOST_TEST_REQUIRE(url.has_value());
    BOOST_TEST(*url == "https://litmus.com/oauth/authorize?response_type=code&client_id=c&state=s&scope=full");
    BOOST_TEST(params_of(*url).count("redirect_uri") == 0u);
}

BOOST_AUTO_TEST_CASE(a_redirect_uri_with_a_query_and_special_characters_arrives_unchanged)
{
    const std::string redirect = "https://app.example/cb?next=/a b&x=1+2#%41&é=ü";
    const std::string client = "id&with=odd+chars";
    auto url = make_authorize_url("https://litmus.com/oauth/authorize", client, redirect, "s-_1");
    BOOST_TEST_REQUIRE(url.has_value());
    auto params = params_of(*url);
    BOOST_TEST(params.count("redirect_uri") == 1u);
    BOOST_TEST(params.find("redirect_uri")->second == redirect);
    BOOST_TEST(params.find("client_id")->second == client);
    // Nothing a form decoder would read differently: no raw '+', '&' inside
    // values, '#', space or non-ASCII byte in the query.
    auto query = query_of(*url);
    for (char c : std::string("+# #"))
        BOOST_TEST(query.find(c) == std::string::npos);
    for (unsigned char c : query)
        BOOST_TEST(c < 0x80);
    BOOST_TEST(query.find("x%3D1%2B2%23%2541") != std::string::npos);
    BOOST_TEST(params.size() == 5u);
}

BOOST_AUTO_TEST_CASE(the_configured_urls_own_query_is_kept)
{
    auto url = make_authorize_url("https://litmus.example:8443/oauth/authorize?tenant=eu&lang=de", "c",
                                  "https://app.example/cb", "s");
    BOOST_TEST_REQUIRE(url.has_value());
    BOOST_TEST(url->starts_with("https://litmus.example:8443/oauth/authorize?tenant=eu&lang=de&response_type=code"));
    auto params = params_of(*url);
    BOOST_TEST(params.find("tenant")->second == "eu");
    BOOST_TEST(params.find("lang")->second == "de");
    BOOST_TEST(params.find("scope")->second == "full");
}

BOOST_AUTO_TEST_CASE(a_parameter_of_ours_in_the_configured_url_is_replaced_not_doubled)
{
    auto url = make_authorize_url("https://litmus.com/oauth/authorize?scope=read&state=old", "c", "", "new");
    BOOST_TEST_REQUIRE(url.has_value());
    auto params = params_of(*url);
    BOOST_TEST(params.count("scope") == 1u);
    BOOST_TEST(params.find("scope")->second == "full");
    BOOST_TEST(params.count("state") == 1u);
    BOOST_TEST(params.find("state")->second == "new");
}

BOOST_AUTO_TEST_CASE(a_relative_authorize_url_is_an_error)
{
    BOOST_TEST(make_authorize_url("/oauth/authorize", "c", "", "s").has_error());
    BOOST_TEST(make_authorize_url("", "c", "", "s").has_error());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

// Routing under /_litmus/: which endpoint, 404 for unknown paths, 405 with
// Allow for wrong methods, user keys from the path with the key grammar.

#include "proxy/users/litmus_route.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::users {

namespace {

using boost::beast::http::verb;

}  // namespace

BOOST_AUTO_TEST_SUITE(litmus_route_test)

BOOST_AUTO_TEST_CASE(the_reserved_prefix_is_recognised)
{
    for (auto t : {"/_litmus", "/_litmus/", "/_litmus/x", "/_litmus?x", "/_litmus/oauth/authorize?a=b"})
        BOOST_TEST(is_litmus_target(t), t);
    for (auto t : {"/", "/_litmusx", "/_litmus-x/y", "/v2/_litmus/", "/_LITMUS/x", "_litmus/x", "/v2?p=/_litmus/"})
        BOOST_TEST(!is_litmus_target(t), t);
}

BOOST_AUTO_TEST_CASE(each_endpoint_is_matched_with_its_method)
{
    auto a = match_litmus_route(verb::post, "/_litmus/oauth/authorize");
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST((a->endpoint == litmus_endpoint::oauth_authorize));
    auto c = match_litmus_route(verb::post, "/_litmus/oauth/callback?ignored=1");
    BOOST_TEST_REQUIRE(c.has_value());
    BOOST_TEST((c->endpoint == litmus_endpoint::oauth_callback));
    auto g = match_litmus_route(verb::get, "/_litmus/users/alice@example.com");
    BOOST_TEST_REQUIRE(g.has_value());
    BOOST_TEST((g->endpoint == litmus_endpoint::user_status));
    BOOST_TEST(g->user == "alice@example.com");
    auto d = match_litmus_route(verb::delete_, "/_litmus/users/b.o_b-1?x");
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST((d->endpoint == litmus_endpoint::user_forget));
    BOOST_TEST(d->user == "b.o_b-1");
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404)
{
    for (auto t : {"/_litmus", "/_litmus/", "/_litmus/oauth", "/_litmus/oauth/authorize/", "/_litmus/users",
                   "/_litmus/users/", "/_litmus/users/a/b", "/_litmus/Oauth/authorize", "/_litmus/metrics"}) {
        auto r = match_litmus_route(verb::get, t);
        BOOST_TEST_REQUIRE(r.has_error(), t);
        BOOST_TEST(r.error().status == 404u);
        BOOST_TEST(r.error().error == "not_found");
    }
}

BOOST_AUTO_TEST_CASE(wrong_methods_are_405_with_allow)
{
    for (auto m : {verb::get, verb::put, verb::delete_, verb::head}) {
        auto r = match_litmus_route(m, "/_litmus/oauth/callback");
        BOOST_TEST_REQUIRE(r.has_error());
        BOOST_TEST(r.error().status == 405u);
        BOOST_TEST(r.error().allow == "POST");
    }
    for (auto m : {verb::post, verb::put, verb::patch, verb::head}) {
        auto r = match_litmus_route(m, "/_litmus/users/alice");
        BOOST_TEST_REQUIRE(r.has_error());
        BOOST_TEST(r.error().status == 405u);
        BOOST_TEST(r.error().allow == "GET, DELETE");
    }
}

BOOST_AUTO_TEST_CASE(a_malformed_or_percent_encoded_user_in_the_path_is_400)
{
    for (std::string t : {std::string("/_litmus/users/alice%40example.com"), std::string("/_litmus/users/a%2Fb"),
                          std::string("/_litmus/users/a+b"), std::string("/_litmus/users/") + std::string(129, 'a')}) {
        auto r = match_litmus_route(verb::get, t);
        BOOST_TEST_REQUIRE(r.has_error(), t);
        BOOST_TEST(r.error().status == 400u);
        BOOST_TEST(r.error().error == "invalid_request");
    }
    BOOST_TEST(match_litmus_route(verb::get, "/_litmus/users/" + std::string(128, 'a')).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

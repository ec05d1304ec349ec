// libFuzzer harness: what a caller sends the users feature, before any I/O.
// Byte 0 picks the entry point; the rest is the input:
//   0: a POST /_litmus/oauth/authorize body -> users::answer_authorize()
//   1: a POST /_litmus/oauth/callback body  -> users::begin_callback(), with
//      one state issued for "alice" (the word STATE in the input is replaced
//      by it, so the fuzzer reaches the paths past the state check)
//   2: Litmus-User field values, split at '\n' -> users::parse_litmus_user()
//   3: a method byte and a /_litmus/ target    -> users::match_litmus_route()
// Invariants: every error answer is a JSON object with a known status and
// a snake_case code; a state is only ever granted to the user it was issued
// for, whatever the body claims; a user key that comes out is well formed.
// A broken invariant traps, so libFuzzer saves the input.

#include "proxy/users/litmus_route.hpp"
#include "proxy/users/litmus_user_header.hpp"
#include "proxy/users/oauth_flow.hpp"
#include "proxy/users/user_key.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace litmus;

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

bool is_snake_case(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || c == '_'))
            return false;
    return true;
}

void check_error(const users::api_error& e)
{
    check(e.status == 400 || e.status == 401 || e.status == 404 || e.status == 405 || e.status == 500 ||
          e.status == 502 || e.status == 503);
    check(is_snake_case(e.error));
    check(e.status != 405 || !e.allow.empty());
    boost::system::error_code ec;
    auto v = boost::json::parse(users::to_json(e), ec);
    check(!ec && v.is_object() && v.as_object().at("error").as_string() == e.error);
}

const config::users_config& users_config()
{
    static const config::users_config cfg = [] {
        config::users_config c;
        c.redirect_uris = {"https://app.example/litmus/callback"};
        return c;
    }();
    return cfg;
}

void authorize(std::string_view body)
{
    users::oauth_state_store states(std::chrono::minutes(10), 4);
    auto answer = users::answer_authorize(body, users_config(), "client-id", states);
    if (!answer) {
        check_error(answer.error());
        check(states.size() == 0);
        return;
    }
    check(states.size() == 1);
    auto v = boost::json::parse(*answer);
    const auto& o = v.as_object();
    check(o.at("authorize_url").as_string().starts_with(users_config().authorize_url + "?"));
    check(o.at("state").as_string().size() == 43);
}

void callback(std::string_view input)
{
    users::oauth_state_store states(std::chrono::minutes(10), 4);
    auto state = states.issue("alice", "https://app.example/litmus/callback").value();
    std::string body(input);
    for (auto at = body.find("STATE"); at != std::string::npos; at = body.find("STATE", at + state.size()))
        body.replace(at, 5, state);
    auto exchange = users::begin_callback(body, states);
    if (!exchange) {
        check_error(exchange.error());
        return;
    }
    // Granted: only ever to the state's user and redirect_uri, and only once.
    check(exchange->user == "alice");
    check(exchange->redirect_uri == "https://app.example/litmus/callback");
    check(!exchange->code.empty());
    check(states.size() == 0);
    check(!users::begin_callback(body, states));
}

void litmus_user(std::string_view input)
{
    std::vector<std::string_view> values;
    for (std::size_t start = 0;;) {
        auto end = input.find('\n', start);
        values.push_back(input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    auto user = users::parse_litmus_user(values);
    if (!user) {
        check_error(user.error());
        return;
    }
    check(values.size() == 1);
    check(!*user || users::is_valid_user_key(**user));
}

void route(std::string_view input)
{
    if (input.empty())
        return;
    static constexpr boost::beast::http::verb verbs[] = {
        boost::beast::http::verb::get, boost::beast::http::verb::post, boost::beast::http::verb::delete_,
        boost::beast::http::verb::put, boost::beast::http::verb::head, boost::beast::http::verb::options};
    auto method = verbs[static_cast<std::uint8_t>(input[0]) % std::size(verbs)];
    std::string target = std::string(users::litmus_prefix) + std::string(input.substr(1));
    auto matched = users::match_litmus_route(method, target);
    if (!matched) {
        check_error(matched.error());
        return;
    }
    bool about_user =
        matched->endpoint == users::litmus_endpoint::user_status || matched->endpoint == users::litmus_endpoint::user_forget;
    check(about_user ? users::is_valid_user_key(matched->user) : matched->user.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
    case 0: authorize(input); break;
    case 1: callback(input); break;
    case 2: litmus_user(input); break;
    case 3: route(input); break;
    }
    return 0;
}

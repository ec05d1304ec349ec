#include "tests/integration/users_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace litmus::test {

namespace {

// The no-secrets check (no_secrets_in_logs.sh) looks for every line of
// LITMUS_FAKE_ISSUED_FILE in the suite's logs: a token encryption key is a
// secret too.
void record_secret(std::string_view value)
{
    const char* path = std::getenv("LITMUS_FAKE_ISSUED_FILE");
    if (!path)
        return;
    std::ofstream out(path, std::ios::app);
    out << value << "\n";
    BOOST_TEST_REQUIRE(out.good(), "cannot write LITMUS_FAKE_ISSUED_FILE " << path);
}

}  // namespace

users_files::users_files() : dir_("litmus-users-"), default_key_file_(key_file("users.key", users_key_a)) {}

std::string users_files::db_path() const { return dir_.file("users.db"); }

std::string users_files::key_file(std::string_view name, std::string_view key) const
{
    record_secret(key);
    return dir_.write_file(name, std::string(key) + "\n");
}

std::string users_files::yaml(const fake::fake_litmus& fake, std::string_view more, std::string_view store,
                              std::string_view key_file) const
{
    // The default authorize_url (https://litmus.com/oauth/authorize) is kept:
    // the fake tells its hosts apart by name, and fake_browser sends the
    // browser's request to the fake's port whatever host the URL names.
    std::string users = "users:\n"
                        "  key_file: " + std::string(key_file.empty() ? default_key_file_ : key_file) + "\n"
                        "  store: " + (store.empty() ? "sqlite:" + db_path() : std::string(store)) + "\n";
    users += more;
    return yaml_for(fake, "", users);
}

users_proxy::users_proxy(std::string_view users_more)
    : proxy(files.yaml(fake, users_more)), app(proxy.port())
{
}

http_reply post_json(http_client& c, std::string_view target, const json::object& body, const header_pairs& headers)
{
    header_pairs h = headers;
    h.emplace_back("Content-Type", "application/json");
    return c.request(http::verb::post, target, h, json::serialize(body));
}

http_reply start_authorization(http_client& c, std::string_view user, std::optional<std::string_view> redirect_uri)
{
    json::object body{{"user", user}};
    if (redirect_uri)
        body["redirect_uri"] = *redirect_uri;
    return post_json(c, "/_litmus/oauth/authorize", body);
}

http_reply relay_callback(http_client& c, const authorize_redirect& redirect)
{
    json::object body;
    if (redirect.state)
        body["state"] = *redirect.state;
    if (redirect.code)
        body["code"] = *redirect.code;
    if (redirect.error)
        body["error"] = *redirect.error;
    return post_json(c, "/_litmus/oauth/callback", body);
}

browsed_authorization authorize_and_browse(http_client& c, const fake::fake_litmus& fake, std::string_view user,
                                           std::string_view login, std::optional<std::string_view> redirect_uri)
{
    auto started = start_authorization(c, user, redirect_uri);
    BOOST_TEST_REQUIRE(started.status == 200u, started.body << started.error);
    auto answer = started.json().as_object();
    browsed_authorization out;
    out.authorize_url = answer.at("authorize_url").as_string();
    out.state = answer.at("state").as_string();
    out.redirect = open_authorize_url(fake, out.authorize_url, login);
    BOOST_TEST_REQUIRE(out.redirect.response.status == 302u, out.redirect.response.body);
    BOOST_TEST_REQUIRE(out.redirect.state.value_or("<none>") == out.state, out.redirect.location);
    return out;
}

http_reply connect_user(http_client& c, const fake::fake_litmus& fake, std::string_view user, std::string_view login,
                        std::optional<std::string_view> redirect_uri)
{
    auto browsed = authorize_and_browse(c, fake, user, login, redirect_uri);
    BOOST_TEST_REQUIRE(browsed.redirect.code.has_value(), browsed.redirect.location);
    auto answer = relay_callback(c, browsed.redirect);
    BOOST_TEST_REQUIRE(answer.status == 200u, answer.body << answer.error);
    BOOST_TEST_REQUIRE(answer.json().at("user").as_string() == user, answer.body);
    check_no_secret(answer, fake, *browsed.redirect.code);
    return answer;
}

http_reply get_as(http_client& c, std::string_view user, std::string_view target)
{
    return c.request(http::verb::get, target, {{"Litmus-User", std::string(user)}});
}

http_reply user_status(http_client& c, std::string_view user)
{
    return c.request(http::verb::get, "/_litmus/users/" + std::string(user));
}

std::string error_of(const http_reply& r)
{
    try {
        auto v = r.json();
        if (auto* o = v.if_object(); o && o->contains("error") && o->at("error").is_string())
            return std::string(o->at("error").as_string());
        return "<no error>";
    } catch (const std::exception&) {
        return "<not json>";
    }
}

std::int64_t user_id_of(const http_reply& r)
{
    try {
        return r.json().at("user").at("id").as_int64();
    } catch (const std::exception&) {
        return -1;
    }
}

std::string litmus_id_text(std::string_view login)
{
    return std::to_string(fake::fake_litmus::user_profile_of(login).id);
}

void check_no_secret(const http_reply& r, const fake::fake_litmus& fake, std::string_view code)
{
    std::string everything = r.body;
    for (const auto& [name, value] : r.headers)
        everything += "\n" + name + ": " + value;
    auto secrets = fake.issued_tokens();
    for (auto& t : fake.issued_refresh_tokens())
        secrets.push_back(std::move(t));
    if (!code.empty())
        secrets.emplace_back(code);
    for (const auto& s : secrets)
        BOOST_TEST(everything.find(s) == std::string::npos, "the answer holds a token or code: " << everything);
}

std::string scrape_metrics(std::uint16_t admin_port)
{
    auto r = http_once(admin_port, http::verb::get, "/metrics");
    BOOST_TEST_REQUIRE(r.status == 200u, r.error);
    return r.body;
}

std::optional<double> metric_value(std::string_view metrics, std::string_view series)
{
    std::istringstream in{std::string(metrics)};
    const std::string prefix = std::string(series) + " ";
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(prefix))
            return std::stod(line.substr(prefix.size()));
    return std::nullopt;
}

double metric(std::uint16_t admin_port, std::string_view series)
{
    return metric_value(scrape_metrics(admin_port), series).value_or(0.0);
}

}  // namespace litmus::test

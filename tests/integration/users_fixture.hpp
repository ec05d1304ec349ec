#pragma once
// What the users integration tests share: a proxy config with a `users:`
// section (key file and SQLite store in a private directory), the app
// server's side of the authorization-code flow against the proxy's
// /_litmus/ endpoints (the browser's side is fake_browser's), API requests
// on behalf of a user, and reading the users metrics.

#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/fake_browser.hpp"
#include "tests/support/fake_litmus.hpp"
#include "tests/support/temp_dir.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace litmus::test {

/// Token encryption keys (32 bytes each), in the two notations the config takes.
inline constexpr std::string_view users_key_a = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";  // base64
inline constexpr std::string_view users_key_b =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";  // hex
inline constexpr std::string_view users_key_c =
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf";  // hex

/// The redirect URI the tests' app registers (and users.redirect_uris lists
/// when a test configures the allow-list).
inline constexpr std::string_view app_redirect_uri = "https://app.example/litmus/callback";

/// A private directory holding the key files and the SQLite store of the
/// users feature, and the YAML that uses them. Outlives the proxies built
/// from it (declare it before them).
class users_files {
public:
    users_files();

    const temp_dir& dir() const noexcept { return dir_; }
    /// dir()/users.db: the SQLite file of the default store.
    std::string db_path() const;
    /// Writes `key` to dir()/<name> and returns the path.
    std::string key_file(std::string_view name, std::string_view key) const;

    /// yaml_for(fake) plus a `users:` section: key_file (users_key_a unless
    /// `key_file` names another file), store sqlite:db_path() unless `store`
    /// says otherwise, then `more` (further indented `users:` lines, each
    /// "  key: value\n") verbatim.
    std::string yaml(const fake::fake_litmus& fake, std::string_view more = "", std::string_view store = "",
                     std::string_view key_file = "") const;

private:
    temp_dir dir_;
    std::string default_key_file_;
};

/// A proxy with a users section (users_files' defaults plus `users_more`)
/// against its own fake Litmus, and the app server's connection to it.
struct users_proxy {
    fake::fake_litmus fake;
    users_files files;
    running_proxy proxy;
    http_client app;

    explicit users_proxy(std::string_view users_more = "");
};

/// POST `target` with a JSON body (and `headers`).
http_reply post_json(http_client& c, std::string_view target, const json::object& body,
                     const header_pairs& headers = {});

/// POST /_litmus/oauth/authorize for `user`, with `redirect_uri` when given.
http_reply start_authorization(http_client& c, std::string_view user,
                               std::optional<std::string_view> redirect_uri = std::nullopt);

/// POST /_litmus/oauth/callback as the app relays what the browser came back
/// with: {"state", "code"} or {"state", "error"} from `redirect`.
http_reply relay_callback(http_client& c, const authorize_redirect& redirect);

/// An authorization up to the browser's return: the proxy's answer to
/// /_litmus/oauth/authorize (200 required) and where the fake sent the
/// browser back after `login` logged in.
struct browsed_authorization {
    std::string authorize_url;
    std::string state;
    authorize_redirect redirect;
};
browsed_authorization authorize_and_browse(http_client& c, const fake::fake_litmus& fake, std::string_view user,
                                           std::string_view login,
                                           std::optional<std::string_view> redirect_uri = app_redirect_uri);

/// The whole flow: `user` connected as Litmus user `login` (every step must
/// succeed). Returns the callback's answer.
http_reply connect_user(http_client& c, const fake::fake_litmus& fake, std::string_view user,
                        std::string_view login,
                        std::optional<std::string_view> redirect_uri = app_redirect_uri);

/// GET `target` with `Litmus-User: user`.
http_reply get_as(http_client& c, std::string_view user, std::string_view target = "/api/v2/users/current");

/// GET /_litmus/users/<user>.
http_reply user_status(http_client& c, std::string_view user);

/// The JSON "error" of an answer; "<no error>" when the body is JSON without
/// one, "<not json>" when it is not JSON.
std::string error_of(const http_reply& r);

/// The Litmus user id a /v2/users/current answer names; -1 when none.
std::int64_t user_id_of(const http_reply& r);

/// The "id" the callback and the status answers carry for `login` (a string).
std::string litmus_id_text(std::string_view login);

/// Fails the test when the answer (body or headers) holds any access or
/// refresh token the fake ever issued, or `code` when given.
void check_no_secret(const http_reply& r, const fake::fake_litmus& fake, std::string_view code = {});

/// The text of GET /metrics on the admin port.
std::string scrape_metrics(std::uint16_t admin_port);

/// The value of the series `series` (`name` or `name{label="value",...}`,
/// written as the exposition writes it) in `metrics`; nullopt when absent.
std::optional<double> metric_value(std::string_view metrics, std::string_view series);

/// metric_value() on a fresh scrape; 0 when the series is absent (a labelled
/// counter nobody incremented yet may not be exported).
double metric(std::uint16_t admin_port, std::string_view series);

}  // namespace litmus::test

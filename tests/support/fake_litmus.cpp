#include "tests/support/fake_litmus.hpp"

#include "tests/support/fake_https_server.hpp"
#include "tests/support/fake_litmus_state.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

namespace litmus::fake {

// Member order is destruction order in reverse: the server (and its thread,
// which calls into state) goes first, the temp dir with the CA file last.
struct fake_litmus::impl {
    test::temp_dir dir{"litmus-fake-"};
    test::test_ca ca;
    std::string ca_path;
    std::string listen_host;
    fake_litmus_state state;
    std::unique_ptr<fake_https_server> server;

    explicit impl(const fake_options& opts) : listen_host(opts.listen_host), state(opts)
    {
        ca_path = dir.write_file("ca.pem", ca.ca_pem());
        auto cert = ca.issue({"litmus.com", "api.litmus.com", "instant-api.litmus.com", "localhost"},
                             {"127.0.0.1", "::1"});
        server = std::make_unique<fake_https_server>(
            opts.listen_host, opts.port, cert.cert_pem, cert.key_pem,
            [this](const recorded_request& r) { return state.handle(r); }, opts.on_request);
    }
};

fake_litmus::fake_litmus(fake_options opts) : impl_(std::make_unique<impl>(opts)) {}
fake_litmus::~fake_litmus() = default;

std::uint16_t fake_litmus::port() const { return impl_->server->port(); }

std::string fake_litmus::endpoint() const
{
    const std::string& h = impl_->listen_host;
    return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(port());
}

std::string fake_litmus::ca_file() const { return impl_->ca_path; }
std::string fake_litmus::ca_pem() const { return impl_->ca.ca_pem(); }

void fake_litmus::set_token_mode(endpoint_mode m) { impl_->state.set_token_mode(m); }

void fake_litmus::set_raw_token_response(unsigned status, std::string content_type, std::string body)
{
    impl_->state.set_raw_token_response({status, std::move(content_type), std::move(body)});
}

void fake_litmus::set_expires_in(std::optional<int> seconds) { impl_->state.set_expires_in(seconds); }
void fake_litmus::set_issue_refresh_tokens(bool on) { impl_->state.set_issue_refresh_tokens(on); }
void fake_litmus::set_rotate_refresh_tokens(bool on) { impl_->state.set_rotate_refresh_tokens(on); }
void fake_litmus::refuse_refresh(bool on) { impl_->state.refuse_refresh(on); }

void fake_litmus::set_credentials(std::string id, std::string secret)
{
    impl_->state.set_credentials(std::move(id), std::move(secret));
}

void fake_litmus::revoke_all_tokens() { impl_->state.revoke_all_tokens(); }
bool fake_litmus::revoke_token(const std::string& token) { return impl_->state.revoke_token(token); }
void fake_litmus::release_held() { impl_->server->release_held(); }
void fake_litmus::set_api_mode(endpoint_mode m) { impl_->state.set_api_mode(m); }

void fake_litmus::set_compression(compression c) { impl_->state.set_compression(c); }

void fake_litmus::set_api_preamble(std::string raw) { impl_->state.set_api_preamble(std::move(raw)); }

void fake_litmus::set_raw_api_response(unsigned status, std::string content_type, std::string body)
{
    impl_->state.set_raw_api_response({status, std::move(content_type), std::move(body)});
}

void fake_litmus::drop_connections() { impl_->server->drop_connections(); }
std::uint64_t fake_litmus::connections_accepted() const { return impl_->server->connections_accepted(); }
std::size_t fake_litmus::open_connections() const { return impl_->server->open_connections(); }

std::vector<recorded_request> fake_litmus::requests() const { return impl_->state.requests(); }
std::vector<recorded_request> fake_litmus::token_requests() const { return impl_->state.token_requests(); }
std::vector<recorded_request> fake_litmus::authorize_requests() const
{
    return impl_->state.authorize_requests();
}
std::vector<recorded_request> fake_litmus::api_requests() const { return impl_->state.api_requests(); }
std::size_t fake_litmus::request_count() const { return impl_->state.request_count(); }
std::size_t fake_litmus::token_request_count() const { return impl_->state.token_request_count(); }
std::size_t fake_litmus::api_request_count() const { return impl_->state.api_request_count(); }
std::vector<std::string> fake_litmus::issued_tokens() const { return impl_->state.issued_tokens(); }
std::vector<std::string> fake_litmus::issued_refresh_tokens() const { return impl_->state.issued_refresh_tokens(); }

bool fake_litmus::wait_for_requests(std::size_t total, std::chrono::milliseconds timeout) const
{
    return impl_->state.wait_for_requests(total, timeout);
}

bool fake_litmus::wait_for_token_requests(std::size_t n, std::chrono::milliseconds timeout) const
{
    return impl_->state.wait_for_token_requests(n, timeout);
}

bool fake_litmus::wait_for_api_requests(std::size_t n, std::chrono::milliseconds timeout) const
{
    return impl_->state.wait_for_api_requests(n, timeout);
}

void fake_litmus::clear_records() { impl_->state.clear_records(); }

std::int64_t fake_litmus::user_id_for_client(std::string_view client_id)
{
    return fake_users::id_for("client:" + std::string(client_id));
}

void fake_litmus::set_default_login(std::string login)
{
    impl_->state.with_users([&](fake_users& u) { u.set_default_login(std::move(login)); });
}

void fake_litmus::set_default_redirect_uri(std::string uri)
{
    impl_->state.with_users([&](fake_users& u) { u.set_default_redirect_uri(std::move(uri)); });
}

void fake_litmus::deny_authorizations(bool on)
{
    impl_->state.with_users([&](fake_users& u) { u.deny_authorizations(on); });
}

void fake_litmus::set_code_lifetime(std::chrono::milliseconds lifetime)
{
    impl_->state.with_users([&](fake_users& u) { u.set_code_lifetime(lifetime); });
}

void fake_litmus::set_user_expires_in(const std::string& login, int seconds)
{
    impl_->state.with_users([&](fake_users& u) { u.set_expires_in(login, seconds); });
}

std::size_t fake_litmus::revoke_user(const std::string& login) { return impl_->state.revoke_user(login); }

std::size_t fake_litmus::expire_user_tokens(const std::string& login)
{
    return impl_->state.expire_user_tokens(login);
}

user_counters fake_litmus::user_counts(const std::string& login) const
{
    return impl_->state.with_users([&](const fake_users& u) { return u.counters(login); });
}

authorization_counters fake_litmus::authorization_counts() const
{
    return impl_->state.with_users([](const fake_users& u) { return u.totals(); });
}

std::optional<std::string> fake_litmus::login_of_token(const std::string& token) const
{
    return impl_->state.login_of_token(token);
}

std::optional<std::string> fake_litmus::last_login(std::string_view path) const
{
    return impl_->state.with_users([&](const fake_users& u) { return u.last_login(path); });
}

user_profile fake_litmus::user_profile_of(std::string_view login) { return fake_users::profile_of(login); }

}  // namespace litmus::fake

// `litmus-proxy check`: the real binary as an operator runs it, against the
// fake Litmus on 127.0.0.1. It must say in one line what is wrong, and never
// print the token or the secret.

#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/litmus_answers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <regex>

namespace litmus::test {

using namespace std::chrono_literals;

namespace {

constexpr std::string_view ca_subject = "CN=litmus-proxy test CA,O=litmus-proxy tests";

struct check_run {
    int code = -999;
    std::string output;  ///< stdout and stderr, as written
    bool has_line(const std::string& line) const { return ("\n" + output).find("\n" + line + "\n") != std::string::npos; }
};

// `litmus-proxy check --config <yaml>` in a clean environment: the given
// credentials, plus `extra_env` (SSL_CERT_FILE stands in for the system store).
check_run run_check(const temp_dir& dir, const std::string& yaml, const std::string& secret = "test-secret",
                    std::vector<std::pair<std::string, std::string>> extra_env = {})
{
    process_options opts;
    opts.inherit_env = false;
    opts.env = std::move(extra_env);
    opts.env.emplace_back("LITMUS_CLIENT_ID", "test-client");
    opts.env.emplace_back("LITMUS_CLIENT_SECRET", secret);
    // No system CA may vouch for anything in these tests unless a test says so.
    auto given = [&](std::string_view name) {
        return std::any_of(opts.env.begin(), opts.env.end(), [&](const auto& kv) { return kv.first == name; });
    };
    if (!given("SSL_CERT_FILE"))
        opts.env.emplace_back("SSL_CERT_FILE", "/dev/null");
    if (!given("SSL_CERT_DIR"))
        opts.env.emplace_back("SSL_CERT_DIR", "/nonexistent");
    child_process p(LITMUS_PROXY_BINARY, {"check", "--config", dir.write_file("check.yaml", yaml)}, opts);
    check_run r;
    BOOST_TEST_REQUIRE(p.wait_for_exit(20s, r.code), p.output());
    r.output = p.output();
    return r;
}

// A CA that never signed anything the fake serves, written to `dir`.
std::string unrelated_ca_file(const temp_dir& dir)
{
    const std::string path = dir.file("other-ca.pem");
    test_ca().write_ca_file(path);
    return path;
}

// yaml_for(fake), with tls.ca_file pointing at `ca_file` instead of the fake's CA.
std::string yaml_trusting(const fake::fake_litmus& fake, const std::string& ca_file)
{
    return std::regex_replace(yaml_for(fake), std::regex("ca_file: .*"), "ca_file: " + ca_file);
}

// The checks' own tokens and secrets never show up, whatever happened.
void require_no_secrets(const check_run& r, const fake::fake_litmus& fake)
{
    BOOST_TEST(r.output.find("test-secret") == std::string::npos, r.output);
    for (const auto& t : fake.issued_tokens())
        BOOST_TEST(r.output.find(t) == std::string::npos, r.output);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(check_test)

BOOST_AUTO_TEST_CASE(success_prints_lifetime_application_tls_version_and_trust_store)
{
    fake::fake_litmus fake;
    temp_dir dir;
    auto r = run_check(dir, yaml_for(fake));
    BOOST_TEST(r.code == 0, r.output);
    const std::string ep = fake.endpoint();
    const std::string trusted = "TLSv1.3, certificate of %s verified by tls.ca_file " + fake.ca_file() + " (CA: " +
                                std::string(ca_subject) + ")";
    auto tls_line = [&](std::string label, std::string host) {
        return label + std::string(16 - label.size(), ' ') + std::regex_replace(trusted, std::regex("%s"), host);
    };
    BOOST_TEST(r.has_line("token endpoint  https://litmus.com/oauth/token, reached at " + ep), r.output);
    BOOST_TEST(r.has_line(tls_line("token TLS", "litmus.com")), r.output);
    BOOST_TEST(r.has_line("token           obtained, lifetime 7200 s"), r.output);
    BOOST_TEST(r.has_line("api upstream    https://api.litmus.com, reached at " + ep), r.output);
    BOOST_TEST(r.has_line(tls_line("api TLS", "api.litmus.com")), r.output);
    BOOST_TEST(r.has_line("application     " + std::string(fake::application_name)), r.output);
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_search(r.output, m, std::regex("\nping            pong; the token expires in (\\d+) s\n")),
                       r.output);
    BOOST_TEST(std::stoi(m[1]) > 7100);
    BOOST_TEST(std::stoi(m[1]) <= 7200);
    BOOST_TEST(r.has_line("check passed"), r.output);

    // It really asked Litmus: one token, one ping carrying it.
    BOOST_TEST_REQUIRE(fake.issued_tokens().size() == 1u);
    auto api = fake.api_requests();
    BOOST_TEST_REQUIRE(api.size() == 1u);
    BOOST_TEST(api[0].target == "/v3/ping/authenticated");
    BOOST_TEST(api[0].bearer_token() == fake.issued_tokens().front());
    require_no_secrets(r, fake);
}

// Which store vouched is read from the verified chain, not guessed from the
// config: the same CA reported as the system store's when it comes from
// there (SSL_CERT_FILE), although a tls.ca_file (another CA) is configured.
BOOST_AUTO_TEST_CASE(trust_store_is_the_one_whose_ca_anchored_the_chain)
{
    fake::fake_litmus fake;
    temp_dir dir;
    auto r = run_check(dir, yaml_trusting(fake, unrelated_ca_file(dir)), "test-secret",
                       {{"SSL_CERT_FILE", fake.ca_file()}});
    BOOST_TEST(r.code == 0, r.output);
    BOOST_TEST(r.has_line("api TLS         TLSv1.3, certificate of api.litmus.com verified by the system store (CA: " +
                          std::string(ca_subject) + ")"),
               r.output);
}

// The system store as most systems have it: a directory of certificates
// named by subject hash (update-ca-certificates), which the proxy reads
// lazily instead of parsing the whole bundle at start.
BOOST_AUTO_TEST_CASE(a_hashed_system_directory_vouches_for_the_upstream)
{
    fake::fake_litmus fake;
    temp_dir dir;
    const auto hashed = std::filesystem::path(dir.file("certs"));
    std::filesystem::create_directory(hashed);
    std::FILE* pem = std::fopen(fake.ca_file().c_str(), "r");
    BOOST_TEST_REQUIRE(pem != nullptr);
    X509* ca = PEM_read_X509(pem, nullptr, nullptr, nullptr);
    std::fclose(pem);
    BOOST_TEST_REQUIRE(ca != nullptr);
    char name[16];
    std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(ca));
    X509_free(ca);
    std::filesystem::create_symlink(fake.ca_file(), hashed / name);

    // No tls.ca_file: its test CA would carry the same subject, and a
    // certificate already in the store is tried before the directory.
    const auto yaml = std::regex_replace(yaml_for(fake), std::regex(" *ca_file: .*\n"), "");
    auto r = run_check(dir, yaml, "test-secret", {{"SSL_CERT_FILE", ""}, {"SSL_CERT_DIR", hashed.string()}});
    BOOST_TEST(r.code == 0, r.output);
    BOOST_TEST(r.has_line("api TLS         TLSv1.3, certificate of api.litmus.com verified by the system store (CA: " +
                          std::string(ca_subject) + ")"),
               r.output);
}

BOOST_AUTO_TEST_CASE(wrong_secret_exits_1_naming_invalid_client)
{
    fake::fake_litmus fake;
    temp_dir dir;
    auto r = run_check(dir, yaml_for(fake), "not-the-secret");
    BOOST_TEST(r.code == 1, r.output);
    BOOST_TEST(r.has_line("check failed: the token endpoint refused the client id/secret (invalid_client)"), r.output);
    BOOST_TEST(r.output.find("not-the-secret") == std::string::npos, r.output);
    BOOST_TEST(r.output.find("check passed") == std::string::npos);
    BOOST_TEST(fake.token_request_count() == 1u);
    BOOST_TEST(fake.api_request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(untrusted_certificate_exits_1_naming_host_and_verify_error)
{
    fake::fake_litmus fake;
    temp_dir dir;
    const std::string other_ca = unrelated_ca_file(dir);
    auto r = run_check(dir, yaml_trusting(fake, other_ca));
    BOOST_TEST(r.code == 1, r.output);
    BOOST_TEST(r.has_line("check failed: the certificate of the token endpoint litmus.com at " + fake.endpoint() +
                          " is not trusted: unable to get local issuer certificate; neither the system store nor "
                          "tls.ca_file " + other_ca + " holds its CA"),
               r.output);
    BOOST_TEST(fake.request_count() == 0u);  // nothing, the secret least of all, was sent
}

BOOST_AUTO_TEST_CASE(untrusted_api_upstream_is_named_and_gets_no_token)
{
    fake::fake_litmus token_fake;
    fake::fake_litmus api_fake;
    temp_dir dir;
    auto yaml = "token:\n  connect: " + token_fake.endpoint() + "\n"
                "upstreams:\n"
                "  - name: api\n    url: https://api.litmus.com\n    prefix: /api\n    connect: " + api_fake.endpoint() + "\n"
                "tls:\n  ca_file: " + token_fake.ca_file() + "\n";
    auto r = run_check(dir, yaml);
    BOOST_TEST(r.code == 1, r.output);
    BOOST_TEST(r.has_line("token           obtained, lifetime 7200 s"), r.output);
    BOOST_TEST(r.has_line("check failed: the certificate of the api upstream api.litmus.com at " + api_fake.endpoint() +
                          " is not trusted: unable to get local issuer certificate; neither the system store nor "
                          "tls.ca_file " + token_fake.ca_file() + " holds its CA"),
               r.output);
    BOOST_TEST(api_fake.request_count() == 0u);
    require_no_secrets(r, token_fake);
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_host_is_named_as_such)
{
    // The fake's certificate is trusted but names the Litmus hosts, not this one.
    fake::fake_litmus fake;
    temp_dir dir;
    auto yaml = "token:\n  connect: " + fake.endpoint() + "\n"
                "upstreams:\n"
                "  - name: api\n    url: https://api.other-company.example\n    prefix: /api\n    connect: " +
                fake.endpoint() + "\n"
                "tls:\n  ca_file: " + fake.ca_file() + "\n";
    auto r = run_check(dir, yaml);
    BOOST_TEST(r.code == 1, r.output);
    BOOST_TEST(r.has_line("check failed: the certificate of the api upstream api.other-company.example at " +
                          fake.endpoint() + " is not trusted: the certificate does not name api.other-company.example"),
               r.output);
    BOOST_TEST(fake.api_request_count() == 0u);
    require_no_secrets(r, fake);
}

BOOST_AUTO_TEST_CASE(unreachable_endpoint_exits_1_naming_host_and_port)
{
    // A port that was free a moment ago and has no listener: connection refused.
    net::io_context ioc;
    tcp::acceptor probe(ioc, {net::ip::make_address("127.0.0.1"), 0});
    const std::string closed = "127.0.0.1:" + std::to_string(probe.local_endpoint().port());
    probe.close();

    fake::fake_litmus fake;
    temp_dir dir;
    auto yaml = std::regex_replace(yaml_for(fake), std::regex("token:\n  connect: [^\n]*"), "token:\n  connect: " + closed);
    auto r = run_check(dir, yaml);
    BOOST_TEST(r.code == 1, r.output);
    BOOST_TEST(r.has_line("check failed: cannot reach the token endpoint litmus.com at " + closed +
                          ": Connection refused"),
               r.output);
    BOOST_TEST(fake.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(bad_config_exits_2_and_version_comes_from_the_build)
{
    temp_dir dir;
    auto r = run_check(dir, "token:\n  fetch_timeout: soon\n");
    BOOST_TEST(r.code == 2, r.output);
    BOOST_TEST(r.output.find("token.fetch_timeout") != std::string::npos, r.output);

    child_process version(LITMUS_PROXY_BINARY, {"--version"});
    int code = -1;
    BOOST_TEST_REQUIRE(version.wait_for_exit(10s, code));
    BOOST_TEST(code == 0);
    BOOST_TEST(version.output() == "litmus-proxy " LITMUS_PROXY_VERSION "\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

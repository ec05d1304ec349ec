#include "proxy/upstream/tls_context.hpp"
#include "tests/unit/scoped_env.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace litmus::upstream {

namespace {

// Certificates the context's store holds now, before any chain is verified.
std::size_t preloaded_certificates(ssl::context& ctx)
{
    auto* objects = X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx.native_handle()));
    return static_cast<std::size_t>(sk_X509_OBJECT_num(objects));
}

struct hashed_dir {
    std::filesystem::path path = std::filesystem::temp_directory_path() / "litmus-tls-context-test";
    hashed_dir()
    {
        std::filesystem::create_directories(path);
        // The name is what counts here: the store reads the file only when
        // a chain asks for that subject hash.
        std::ofstream(path / "0123abcd.0") << "not read at start\n";
    }
    ~hashed_dir() { std::filesystem::remove_all(path); }
};

constexpr const char* debian_bundle = "/etc/ssl/certs/ca-certificates.crt";

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_context_test)

BOOST_AUTO_TEST_CASE(a_hashed_system_directory_is_read_lazily_not_parsed_at_start)
{
    hashed_dir dir;
    test::scoped_env file{{"SSL_CERT_FILE", std::nullopt}};
    test::scoped_env certs{{"SSL_CERT_DIR", dir.path.string()}};
    auto ctx = make_client_tls_context({});
    BOOST_TEST(preloaded_certificates(ctx) == 0u);
}

BOOST_AUTO_TEST_CASE(an_explicit_bundle_or_no_hashed_directory_loads_the_bundle)
{
    BOOST_TEST_REQUIRE(std::filesystem::exists(debian_bundle));  // ca-certificates (install-deps.sh)
    {
        hashed_dir dir;
        test::scoped_env file{{"SSL_CERT_FILE", std::string(debian_bundle)}};
        test::scoped_env certs{{"SSL_CERT_DIR", dir.path.string()}};
        auto ctx = make_client_tls_context({});
        BOOST_TEST(preloaded_certificates(ctx) > 50u);
    }
    {
        const auto empty = std::filesystem::temp_directory_path() / "litmus-tls-context-empty";
        std::filesystem::create_directories(empty);
        test::scoped_env file{{"SSL_CERT_FILE", std::nullopt}};
        test::scoped_env certs{{"SSL_CERT_DIR", empty.string()}};
        auto ctx = make_client_tls_context({});
        // OpenSSL's default file: Debian's bundle.
        BOOST_TEST(preloaded_certificates(ctx) > 50u);
        std::filesystem::remove_all(empty);
    }
}

BOOST_AUTO_TEST_CASE(tls_ca_file_is_loaded_on_top)
{
    hashed_dir dir;
    test::scoped_env file{{"SSL_CERT_FILE", std::nullopt}};
    test::scoped_env certs{{"SSL_CERT_DIR", dir.path.string()}};
    config::tls_config cfg;
    cfg.ca_file = debian_bundle;
    auto ctx = make_client_tls_context(cfg);
    BOOST_TEST(preloaded_certificates(ctx) > 50u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::upstream

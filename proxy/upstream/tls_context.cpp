#include "proxy/upstream/tls_context.hpp"
#include "proxy/upstream/tls_session_slot.hpp"

#include <openssl/x509.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace litmus::upstream {

namespace {

// A name c_rehash / update-ca-certificates gives a certificate: 8 hex
// digits of the subject hash, '.', a sequence number.
bool is_hash_link(std::string_view name)
{
    const auto dot = name.find('.');
    if (dot != 8 || name.size() == dot + 1)
        return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool ok = i < 8 ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                              : i == 8 || (c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

// True when one of the ':'-separated directories holds a hashed certificate.
bool has_hashed_certificates(std::string_view dirs)
{
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const std::filesystem::path dir(std::string(dirs.substr(0, colon)));
        dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
        std::error_code ec;
        for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
            if (is_hash_link(it->path().filename().native()))
                return true;
    }
    return false;
}

// The system store, as OpenSSL's default paths name it (SSL_CERT_FILE and
// SSL_CERT_DIR honoured). Read from the hashed directory when there is one:
// OpenSSL then loads a certificate when a chain needs it, instead of parsing
// the whole bundle at start (Debian's ~140 certificates: 40 ms of the
// proxy's start-to-ready time, and their memory for the process's life).
// An explicit SSL_CERT_FILE, or no hashed directory, loads the bundle. (One
// difference: a tls.ca_file CA with the very subject name of a system CA is
// found first and the directory is not asked for that name.)
void load_system_store(ssl::context& ctx, error_code& ec)
{
    const char* file_env = std::getenv(X509_get_default_cert_file_env());
    const char* dir_env = std::getenv(X509_get_default_cert_dir_env());
    const std::string dirs = dir_env && *dir_env ? dir_env : X509_get_default_cert_dir();
    if ((file_env && *file_env) || !has_hashed_certificates(dirs)) {
        ctx.set_default_verify_paths(ec);
        return;
    }
    ctx.add_verify_path(dirs, ec);
}

}  // namespace

ssl::context make_client_tls_context(const config::tls_config& cfg)
{
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(ssl::verify_peer);
    error_code ec;
    load_system_store(ctx, ec);
    if (ec)
        throw std::runtime_error("cannot load the system CA store: " + ec.message());
    if (!cfg.ca_file.empty()) {
        ctx.load_verify_file(cfg.ca_file, ec);
        if (ec)
            throw std::runtime_error("tls.ca_file: cannot load CA bundle '" + cfg.ca_file +
                                     "': " + ec.message());
    }
    // Pools keep their upstream's sessions to resume new connections.
    tls_session_slot::enable_on(ctx);
    return ctx;
}

}  // namespace litmus::upstream

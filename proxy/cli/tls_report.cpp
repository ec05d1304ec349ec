#include "proxy/cli/tls_report.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace litmus::cli {

namespace {

struct bio_free {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct x509_free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};

// True when the PEM bundle at `path` holds a certificate equal to `cert`.
bool bundle_contains(const std::string& path, const X509* cert)
{
    if (path.empty())
        return false;
    std::unique_ptr<BIO, bio_free> bio(BIO_new_file(path.c_str(), "r"));
    if (!bio)
        return false;
    while (std::unique_ptr<X509, x509_free> x{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        if (X509_cmp(x.get(), cert) == 0)
            return true;
    }
    ERR_clear_error();  // the read that ends the loop leaves "no start line" queued
    return false;
}

std::string subject_of(const X509* cert)
{
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
        return "?";
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

std::string tls_version(const SSL* ssl) { return SSL_get_version(ssl); }

std::string trust_anchor(const SSL* ssl, const std::string& ca_file)
{
    STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
    if (!chain || sk_X509_num(chain) == 0)
        return "no verified chain";
    // The last certificate of the verified chain is the trust anchor: the one
    // a store supplied, whichever store that was.
    const X509* root = sk_X509_value(chain, sk_X509_num(chain) - 1);
    std::string store = bundle_contains(ca_file, root) ? "tls.ca_file " + ca_file : "the system store";
    return store + " (CA: " + subject_of(root) + ")";
}

std::optional<certificate_problem> certificate_refusal(const SSL* ssl, const error_code& handshake_error,
                                                       std::string_view host)
{
    long verify = SSL_get_verify_result(ssl);
    // OpenSSL checks the name (SSL_set1_host in open_upstream) and says so.
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return certificate_problem{"the certificate does not name " + std::string(host), false};
    if (verify != X509_V_OK)
        return certificate_problem{X509_verify_cert_error_string(verify), true};
    // The chain verified, yet the handshake failed verification: the other
    // check on our side is Asio's host_name_verification (an IP literal host).
    if (handshake_error.category() == net::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(handshake_error.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED)
        return certificate_problem{"the certificate does not name " + std::string(host), false};
    return std::nullopt;
}

}  // namespace litmus::cli

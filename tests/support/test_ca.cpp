#include "tests/support/test_ca.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <mutex>
#include <stdexcept>

namespace litmus::test {

namespace {

template <auto Free>
struct openssl_deleter {
    template <class T>
    void operator()(T* p) const noexcept { Free(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO_free_all>>;
using bn_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION_free>>;
using names_ptr = std::unique_ptr<GENERAL_NAMES, openssl_deleter<GENERAL_NAMES_free>>;

[[noreturn]] void fail(const std::string& what)
{
    std::string text = "test_ca: " + what;
    // The OpenSSL error queue is per thread; drain it so the next caller
    // does not see our stale errors.
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        text += "; ";
        text += buf;
    }
    throw std::runtime_error(text);
}

void check(int ok, const char* what)
{
    if (ok != 1)
        fail(what);
}

pkey_ptr make_p256_key()
{
    pkey_ptr key(EVP_EC_gen("P-256"));
    if (!key)
        fail("EC P-256 key generation");
    return key;
}

x509_ptr new_cert(EVP_PKEY* subject_key, const std::string& common_name, long valid_from_offset_s,
                  long valid_to_offset_s)
{
    x509_ptr cert(X509_new());
    if (!cert)
        fail("X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");

    // 127 random bits: unique per certificate (RFC 5280 §4.1.2.2) and always
    // positive in DER, which strict verifiers insist on.
    bn_ptr serial(BN_new());
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        fail("serial number");

    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), valid_from_offset_s) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), valid_to_offset_s))
        fail("validity");

    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("litmus-proxy tests"), -1,
                                     -1, 0),
          "subject O");
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0),
          "subject CN");
    check(X509_set_pubkey(cert.get(), subject_key), "X509_set_pubkey");
    return cert;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext)
        fail(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

std::string to_pem(X509* cert)
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        fail("PEM_write_bio_X509");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string to_pem(EVP_PKEY* key)
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        fail("PEM_write_bio_PrivateKey");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

// Built as a GENERAL_NAMES stack rather than through the "DNS:a,IP:b" config
// syntax, so a name can never be mis-split on a comma.
names_ptr make_alt_names(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips)
{
    names_ptr names(sk_GENERAL_NAME_new_null());
    if (!names)
        fail("sk_GENERAL_NAME_new_null");
    for (const auto& dns : dns_names) {
        if (dns.empty())
            fail("empty DNS name");
        ASN1_IA5STRING* s = ASN1_IA5STRING_new();
        GENERAL_NAME* gn = GENERAL_NAME_new();
        if (!s || !gn || ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size())) != 1) {
            ASN1_IA5STRING_free(s);
            GENERAL_NAME_free(gn);
            fail("DNS name " + dns);
        }
        GENERAL_NAME_set0_value(gn, GEN_DNS, s);
        if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
            GENERAL_NAME_free(gn);
            fail("sk_GENERAL_NAME_push");
        }
    }
    for (const auto& ip : ips) {
        ASN1_OCTET_STRING* os = a2i_IPADDRESS(ip.c_str());
        if (!os)
            fail("not an IP address: " + ip);
        GENERAL_NAME* gn = GENERAL_NAME_new();
        if (!gn) {
            ASN1_OCTET_STRING_free(os);
            fail("GENERAL_NAME_new");
        }
        GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
        if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
            GENERAL_NAME_free(gn);
            fail("sk_GENERAL_NAME_push");
        }
    }
    return names;
}

constexpr long one_hour_s = 3600;
constexpr long one_day_s = 86400;

}  // namespace

struct test_ca::impl {
    pkey_ptr key;
    x509_ptr cert;
    std::string pem;
    // OpenSSL 3 objects are safe to share read-only, but signing with one key
    // from several threads is not documented as safe; issuing is rare.
    std::mutex issue_mutex;
};

test_ca::test_ca() : impl_(std::make_unique<impl>())
{
    impl_->key = make_p256_key();
    impl_->cert = new_cert(impl_->key.get(), "litmus-proxy test CA", -one_hour_s, one_day_s);
    X509* cert = impl_->cert.get();
    check(X509_set_issuer_name(cert, X509_get_subject_name(cert)), "X509_set_issuer_name");
    add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert, cert, NID_subject_key_identifier, "hash");
    if (X509_sign(cert, impl_->key.get(), EVP_sha256()) <= 0)
        fail("X509_sign (CA)");
    impl_->pem = to_pem(cert);
}

test_ca::~test_ca() = default;
test_ca::test_ca(test_ca&&) noexcept = default;
test_ca& test_ca::operator=(test_ca&&) noexcept = default;

std::string test_ca::ca_pem() const { return impl_->pem; }

test_ca::issued test_ca::issue(const std::vector<std::string>& dns_names,
                               const std::vector<std::string>& ips) const
{
    if (dns_names.empty() && ips.empty())
        fail("issue() needs at least one DNS name or IP address");
    std::lock_guard lock(impl_->issue_mutex);
    pkey_ptr key = make_p256_key();
    x509_ptr cert = new_cert(key.get(), dns_names.empty() ? ips.front() : dns_names.front(),
                             -one_hour_s, one_day_s);
    X509* ca = impl_->cert.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca)), "X509_set_issuer_name");
    add_ext(cert.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), ca, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), ca, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), ca, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), ca, NID_authority_key_identifier, "keyid:always");
    names_ptr names = make_alt_names(dns_names, ips);
    check(X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT),
          "subjectAltName");
    if (X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) <= 0)
        fail("X509_sign (leaf)");
    return {to_pem(cert.get()), to_pem(key.get())};
}

void test_ca::write_ca_file(const std::string& path) const
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << impl_->pem;
    out.close();
    if (!out)
        throw std::runtime_error("test_ca: cannot write " + path);
}

}  // namespace litmus::test

#pragma once
// A certificate authority made at run time, so TLS in tests is verified for
// real (verify_peer + host name check) without committing keys or certs that
// eventually expire.

#include <memory>
#include <string>
#include <vector>

namespace litmus::test {

/// A self-signed EC P-256 / SHA-256 CA, "litmus-proxy test CA", valid from one
/// hour ago (clock skew between processes) to one day from now.
/// Thread-safety: const member functions may be called concurrently.
class test_ca {
public:
    /// Generates the CA key and certificate. Throws std::runtime_error with
    /// the OpenSSL error text on failure.
    test_ca();
    ~test_ca();
    test_ca(test_ca&&) noexcept;
    test_ca& operator=(test_ca&&) noexcept;

    /// The CA certificate, PEM.
    std::string ca_pem() const;

    struct issued {
        std::string cert_pem;  ///< leaf certificate only, PEM
        std::string key_pem;   ///< its EC P-256 key, unencrypted PKCS#8 PEM
    };

    /// Issues a server certificate (serverAuth, CA:FALSE) whose
    /// subjectAltName lists `dns_names` and `ips` (IPv4 or IPv6 literals);
    /// the subject CN is the first DNS name (or first IP). Each call makes a
    /// fresh key. Throws std::runtime_error on bad input or OpenSSL failure.
    issued issue(const std::vector<std::string>& dns_names,
                 const std::vector<std::string>& ips) const;

    /// Writes ca_pem() to `path`. Throws std::runtime_error on failure.
    void write_ca_file(const std::string& path) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace litmus::test

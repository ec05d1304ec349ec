#pragma once
// What a TLS connection to Litmus says about itself, in words for an
// operator: the protocol version, which trust store vouched for the
// certificate, and why a certificate was refused. Used by `litmus-proxy check`.

#include "proxy/core/net.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace litmus::cli {

/// The protocol the handshake settled on, e.g. "TLSv1.3".
std::string tls_version(const SSL* ssl);

/// Which store anchored the verified chain of a completed handshake:
/// "tls.ca_file <path>" when the chain's root is one of the certificates in
/// `ca_file`, else "the system store"; followed by the root's subject.
/// Decided from the chain OpenSSL actually verified, not from the config.
std::string trust_anchor(const SSL* ssl, const std::string& ca_file);

/// Why a certificate was refused.
struct certificate_problem {
    std::string reason;            ///< OpenSSL's verify error, or that the name does not match
    bool untrusted_chain = false;  ///< no trusted CA vouches for it (a CA file would help)
};

/// Why the handshake that ended with `handshake_error` refused the peer's
/// certificate; nullopt when it failed for another reason (a reset, a
/// protocol mismatch). Call on the failed connection's SSL object.
std::optional<certificate_problem> certificate_refusal(const SSL* ssl, const error_code& handshake_error,
                                                       std::string_view host);

}  // namespace litmus::cli

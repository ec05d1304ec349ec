#pragma once
// Encryption of the tokens kept in the user store: AES-256-GCM (OpenSSL EVP)
// with a fresh random 96-bit nonce per encryption and the user key as
// associated data, so a stored value moved to another user's row fails to
// decrypt. A value read under the previous key (users.old_key_file) decrypts
// and says so, so the store re-encrypts it under the current key on its next
// write.
//
// Stored format, version 1 (self-describing, so the reader knows the key):
//   [0]      version = 1
//   [1..4]   key id: the first 4 bytes of SHA-256("litmus-proxy user store key" || key)
//   [5..16]  nonce (12 random bytes)
//   [17..]   ciphertext (as long as the plaintext)
//   last 16  GCM tag
// The version and key id are authenticated too (associated data = those 5
// bytes followed by the user key). A random nonce is safe for 2^32
// encryptions under one key (NIST SP 800-38D §8.3), far beyond a user store's
// writes between rotations.

#include "proxy/config/config.hpp"

#include <boost/system/result.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace litmus::users {

/// Why a stored value does not decrypt.
enum class decrypt_error {
    malformed,       ///< too short, or a format version this build does not know
    unknown_key,     ///< encrypted under a key that is neither the current nor the old one
    not_authentic,   ///< tag mismatch: altered, or stored under another user
};

/// "malformed", "encrypted under an unknown key (...)", ... for log lines.
std::string_view describe(decrypt_error e) noexcept;

/// Lets boost::system::result<T, decrypt_error>::value() throw (found by ADL).
[[noreturn]] void throw_exception_from_error(decrypt_error e, const boost::source_location& loc);

struct decrypted_token {
    std::string plaintext;
    bool under_old_key = false;  ///< true: re-encrypt under the current key when next written
};

/// Holds the keys (cleansed on destruction). Thread-safe: every call uses its
/// own OpenSSL context; the object is immutable after construction.
class token_cipher {
public:
    token_cipher(const config::store_key& current, const std::optional<config::store_key>& old);
    ~token_cipher();
    token_cipher(const token_cipher&) = delete;
    token_cipher& operator=(const token_cipher&) = delete;

    /// `plaintext` encrypted under the current key for `user`, in the format
    /// above (binary). Throws std::runtime_error only if OpenSSL fails (no
    /// randomness), which is not a state the store can serve from.
    std::string encrypt(std::string_view plaintext, std::string_view user) const;

    /// The plaintext of a value encrypt() made for `user`, under the current
    /// or the old key.
    boost::system::result<decrypted_token, decrypt_error> decrypt(std::string_view stored,
                                                                  std::string_view user) const;

    /// The 4-byte id stored with every value encrypted under `key`.
    using key_id = std::array<std::uint8_t, 4>;
    static key_id id_of(const config::store_key& key);

private:
    struct keyed {
        config::store_key key;
        key_id id;
    };
    keyed current_;
    std::optional<keyed> old_;
};

}  // namespace litmus::users

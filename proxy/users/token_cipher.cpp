#include "proxy/users/token_cipher.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <boost/throw_exception.hpp>

#include <memory>
#include <stdexcept>

namespace litmus::users {

namespace {

constexpr std::uint8_t format_version = 1;
constexpr std::size_t header_size = 1 + 4;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;
constexpr std::size_t overhead = header_size + nonce_size + tag_size;

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

cipher_ctx new_ctx()
{
    cipher_ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    if (!ctx)
        throw std::runtime_error("token_cipher: EVP_CIPHER_CTX_new failed");
    return ctx;
}

const unsigned char* bytes(std::string_view s)
{
    return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s)
{
    return reinterpret_cast<unsigned char*>(s.data());
}

// The 5 header bytes and the user key, authenticated but not encrypted.
// `update` is EVP_EncryptUpdate or EVP_DecryptUpdate.
using update_fn = int (*)(EVP_CIPHER_CTX*, unsigned char*, int*, const unsigned char*, int);
bool add_associated_data(EVP_CIPHER_CTX* ctx, update_fn update, std::string_view header, std::string_view user)
{
    int n = 0;
    return update(ctx, nullptr, &n, bytes(header), static_cast<int>(header.size())) == 1 &&
           update(ctx, nullptr, &n, bytes(user), static_cast<int>(user.size())) == 1;
}

}  // namespace

std::string_view describe(decrypt_error e) noexcept
{
    switch (e) {
    case decrypt_error::malformed: return "malformed (too short or an unknown format version)";
    case decrypt_error::unknown_key:
        return "encrypted under an unknown key (neither users.key_file nor users.old_key_file)";
    case decrypt_error::not_authentic: return "does not authenticate (altered, or stored for another user)";
    }
    return "unknown";
}

void throw_exception_from_error(decrypt_error e, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(std::string(describe(e))), loc);
}

token_cipher::key_id token_cipher::id_of(const config::store_key& key)
{
    // Domain-separated, so the id is not the hash of the bare key anyone
    // might compute elsewhere; 4 bytes reveal nothing usable about a 32-byte key.
    static constexpr std::string_view label = "litmus-proxy user store key";
    unsigned char digest[SHA256_DIGEST_LENGTH];
    std::string input(label);
    input.append(reinterpret_cast<const char*>(key.data()), key.size());
    SHA256(bytes(input), input.size(), digest);
    OPENSSL_cleanse(input.data(), input.size());
    key_id id;
    std::copy_n(digest, id.size(), id.begin());
    OPENSSL_cleanse(digest, sizeof digest);
    return id;
}

token_cipher::token_cipher(const config::store_key& current, const std::optional<config::store_key>& old)
    : current_{current, id_of(current)}
{
    if (old)
        old_ = keyed{*old, id_of(*old)};
}

token_cipher::~token_cipher()
{
    OPENSSL_cleanse(current_.key.data(), current_.key.size());
    if (old_)
        OPENSSL_cleanse(old_->key.data(), old_->key.size());
}

std::string token_cipher::encrypt(std::string_view plaintext, std::string_view user) const
{
    std::string out(overhead + plaintext.size(), '\0');
    out[0] = static_cast<char>(format_version);
    std::copy(current_.id.begin(), current_.id.end(), out.begin() + 1);
    auto* nonce = bytes(out) + header_size;
    auto* body = nonce + nonce_size;
    auto* tag = body + plaintext.size();
    if (RAND_bytes(nonce, static_cast<int>(nonce_size)) != 1)
        throw std::runtime_error("token_cipher: RAND_bytes failed");

    auto ctx = new_ctx();
    int n = 0;
    bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_size), nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, current_.key.data(), nonce) == 1 &&
              add_associated_data(ctx.get(), EVP_EncryptUpdate, std::string_view(out).substr(0, header_size), user) &&
              EVP_EncryptUpdate(ctx.get(), body, &n, bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), body + n, &n) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size), tag) == 1;
    if (!ok)
        throw std::runtime_error("token_cipher: AES-256-GCM encryption failed");
    return out;
}

boost::system::result<decrypted_token, decrypt_error> token_cipher::decrypt(std::string_view stored,
                                                                           std::string_view user) const
{
    if (stored.size() < overhead || static_cast<std::uint8_t>(stored[0]) != format_version)
        return decrypt_error::malformed;
    key_id id;
    std::copy_n(bytes(stored) + 1, id.size(), id.begin());
    const keyed* k = id == current_.id ? &current_ : (old_ && id == old_->id) ? &*old_ : nullptr;
    if (!k)
        return decrypt_error::unknown_key;

    const auto* nonce = bytes(stored) + header_size;
    auto body = stored.substr(header_size + nonce_size, stored.size() - overhead);
    // OpenSSL takes the expected tag through a non-const pointer.
    std::array<unsigned char, tag_size> tag;
    std::copy_n(bytes(stored) + stored.size() - tag_size, tag_size, tag.begin());

    decrypted_token out;
    out.plaintext.assign(body.size(), '\0');
    auto ctx = new_ctx();
    int n = 0;
    bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce_size), nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, k->key.data(), nonce) == 1 &&
              add_associated_data(ctx.get(), EVP_DecryptUpdate, stored.substr(0, header_size), user) &&
              EVP_DecryptUpdate(ctx.get(), bytes(out.plaintext), &n, bytes(body), static_cast<int>(body.size())) ==
                  1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag.data()) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), bytes(out.plaintext) + n, &n) == 1;
    if (!ok) {
        // The unauthenticated plaintext must not linger in freed memory.
        OPENSSL_cleanse(out.plaintext.data(), out.plaintext.size());
        return decrypt_error::not_authentic;
    }
    out.under_old_key = k != &current_;
    return out;
}

}  // namespace litmus::users

// AES-256-GCM token encryption: round trip, authenticity of every part of
// the stored value, the user key as associated data, and key rotation.

#include "proxy/users/token_cipher.hpp"

#include "tests/unit/users/test_keys.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::users {

namespace {

using test_keys::filled_with;

const auto key_a = filled_with(0xa1);
const auto key_b = filled_with(0xb2);
const std::string token = "access-token-7f3a9c";

// Offsets of the parts in the stored format (token_cipher.hpp).
constexpr std::size_t version_at = 0, key_id_at = 1, nonce_at = 5, body_at = 17, tag_size = 16;

}  // namespace

BOOST_AUTO_TEST_SUITE(token_cipher_test)

BOOST_AUTO_TEST_CASE(round_trip_under_the_current_key)
{
    token_cipher cipher(key_a, std::nullopt);
    auto stored = cipher.encrypt(token, "alice");
    BOOST_TEST(stored.size() == body_at + token.size() + tag_size);
    BOOST_TEST(stored.find(token) == std::string::npos, "the token is not in the stored value");
    auto back = cipher.decrypt(stored, "alice");
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(back->plaintext == token);
    BOOST_TEST(!back->under_old_key);

    auto empty = cipher.decrypt(cipher.encrypt("", "alice"), "alice");
    BOOST_TEST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->plaintext.empty());
}

BOOST_AUTO_TEST_CASE(each_encryption_uses_a_fresh_nonce)
{
    token_cipher cipher(key_a, std::nullopt);
    auto one = cipher.encrypt(token, "alice");
    auto two = cipher.encrypt(token, "alice");
    BOOST_TEST(one.substr(nonce_at, 12) != two.substr(nonce_at, 12));
    BOOST_TEST(one.substr(body_at) != two.substr(body_at));
}

BOOST_AUTO_TEST_CASE(altering_any_part_fails_to_decrypt)
{
    token_cipher cipher(key_a, std::nullopt);
    auto stored = cipher.encrypt(token, "alice");
    struct part {
        const char* name;
        std::size_t at;
        decrypt_error expected;
    };
    const part parts[] = {
        {"version", version_at, decrypt_error::malformed},
        {"key id", key_id_at + 2, decrypt_error::unknown_key},
        {"nonce", nonce_at + 5, decrypt_error::not_authentic},
        {"ciphertext", body_at + 3, decrypt_error::not_authentic},
        {"tag", stored.size() - 1, decrypt_error::not_authentic},
    };
    for (const auto& p : parts) {
        BOOST_TEST_CONTEXT(p.name)
        {
            auto altered = stored;
            altered[p.at] = static_cast<char>(altered[p.at] ^ 0x01);
            auto r = cipher.decrypt(altered, "alice");
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST((r.error() == p.expected));
        }
    }
    auto truncated = cipher.decrypt(stored.substr(0, body_at + tag_size - 1), "alice");
    BOOST_TEST_REQUIRE(!truncated.has_value());
    BOOST_TEST((truncated.error() == decrypt_error::malformed));
    auto shortened = cipher.decrypt(stored.substr(0, stored.size() - 1), "alice");
    BOOST_TEST_REQUIRE(!shortened.has_value());
    BOOST_TEST((shortened.error() == decrypt_error::not_authentic));
}

BOOST_AUTO_TEST_CASE(a_value_moved_to_another_user_fails_to_decrypt)
{
    token_cipher cipher(key_a, std::nullopt);
    auto stored = cipher.encrypt(token, "alice");
    for (const char* other : {"bob", "alic", "alice2", ""}) {
        BOOST_TEST_CONTEXT(other)
        {
            auto r = cipher.decrypt(stored, other);
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST((r.error() == decrypt_error::not_authentic));
        }
    }
}

BOOST_AUTO_TEST_CASE(old_key_values_decrypt_and_are_flagged)
{
    token_cipher before(key_a, std::nullopt);
    auto stored = before.encrypt(token, "alice");

    token_cipher rotated(key_b, key_a);
    auto r = rotated.decrypt(stored, "alice");
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->plaintext == token);
    BOOST_TEST(r->under_old_key);

    // What it writes is under the new key: readable without the old one.
    auto rewritten = rotated.encrypt(r->plaintext, "alice");
    BOOST_TEST(rewritten.substr(key_id_at, 4) != stored.substr(key_id_at, 4));
    token_cipher after(key_b, std::nullopt);
    auto again = after.decrypt(rewritten, "alice");
    BOOST_TEST_REQUIRE(again.has_value());
    BOOST_TEST(again->plaintext == token);
    BOOST_TEST(!again->under_old_key);
}

BOOST_AUTO_TEST_CASE(a_value_under_an_unknown_key_fails_with_a_clear_error)
{
    token_cipher before(key_a, std::nullopt);
    auto stored = before.encrypt(token, "alice");
    token_cipher other(key_b, filled_with(0xc3));
    auto r = other.decrypt(stored, "alice");
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == decrypt_error::unknown_key));
    BOOST_TEST(std::string(describe(r.error())).find("unknown key") != std::string::npos);
    BOOST_TEST((token_cipher::id_of(key_a) != token_cipher::id_of(key_b)));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::users

// The `users:` section: on only when present, its defaults, the key material
// from users.key_file or LITMUS_PROXY_USERS_KEY, and the messages that refuse
// bad values (file, line and key named; a key's text never shown).

#include "proxy/config/config_loader.hpp"
#include "proxy/config/users_values.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/config/env_of.hpp"

#include <boost/test/unit_test.hpp>


namespace litmus::config {

namespace {

// 32 bytes 0x00..0x1f, and 32 bytes 0x64..0x83, in both spellings.
const std::string key_a_base64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const std::string key_a_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string key_b_base64 = "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";
const std::string key_b_hex_upper = "6465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F80818283";

store_key key_counting_from(std::uint8_t first)
{
    store_key k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<std::uint8_t>(first + i);
    return k;
}

env_map base_env(env_map extra = {})
{
    env_map env{{"LITMUS_CLIENT_ID", "env-id"}, {"LITMUS_CLIENT_SECRET", "env-secret"}};
    env.merge(extra);
    return env;
}

proxy_config load(std::string_view yaml, const env_map& env,
                  credentials_use use = credentials_use::required)
{
    return load_config_from_string(yaml, "config.yaml", env_of(env), use);
}

std::string error_of(std::string_view yaml, const env_map& env)
{
    try {
        load(yaml, env);
        BOOST_ERROR("expected a config_error for:\n" << yaml);
    } catch (const config_error& e) {
        return e.what();
    }
    return {};
}

bool contains(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(users_config_test)

BOOST_AUTO_TEST_CASE(users_feature_is_off_without_a_users_mapping)
{
    BOOST_TEST(!load("log: {level: info}\n", base_env()).users.has_value());
    // A key with no value keeps its default, as everywhere: off.
    BOOST_TEST(!load("users:\n", base_env()).users.has_value());
}

BOOST_AUTO_TEST_CASE(an_empty_users_mapping_turns_the_feature_on_with_defaults)
{
    auto cfg = load("users: {}\n", base_env({{"LITMUS_PROXY_USERS_KEY", key_a_base64}}));
    BOOST_TEST_REQUIRE(cfg.users.has_value());
    const auto& u = *cfg.users;
    BOOST_TEST(u.authorize_url == "https://litmus.com/oauth/authorize");
    BOOST_TEST(u.authorize_parsed.host == "litmus.com");
    BOOST_TEST(u.authorize_parsed.path == "/oauth/authorize");
    BOOST_TEST(u.store == "sqlite:/var/lib/litmus-proxy/users.db");
    BOOST_TEST((u.store_location.type == user_store_location::kind::sqlite));
    BOOST_TEST(u.store_location.target == "/var/lib/litmus-proxy/users.db");
    BOOST_TEST(u.state_ttl.count() == 600'000);
    BOOST_TEST(u.redirect_uris.empty());
    BOOST_TEST(u.default_user.empty());
    BOOST_TEST_REQUIRE(u.key.has_value());
    BOOST_TEST((*u.key == key_counting_from(0)));
    BOOST_TEST(!u.old_key.has_value());
}

BOOST_AUTO_TEST_CASE(every_users_key_is_read)
{
    test::temp_dir dir;
    auto key = dir.write_file("users.key", key_a_hex + "\n");
    auto old_key = dir.write_file("old.key", key_b_base64 + "\n");
    auto cfg = load("users:\n"
                    "  authorize_url: https://auth.example:8443/oauth/authorize\n"
                    "  store: postgresql://proxy:pw@db.example:5432/litmus?sslmode=require\n"
                    "  key_file: " + key + "\n"
                    "  old_key_file: " + old_key + "\n"
                    "  state_ttl: 5m\n"
                    "  redirect_uris: [https://app.example/litmus/callback, http://localhost:3000/cb]\n"
                    "  default: alice@example.com\n",
                    // The file wins over the environment.
                    base_env({{"LITMUS_PROXY_USERS_KEY", key_b_base64}}));
    BOOST_TEST_REQUIRE(cfg.users.has_value());
    const auto& u = *cfg.users;
    BOOST_TEST(u.authorize_parsed.host == "auth.example");
    BOOST_TEST(u.authorize_parsed.port == 8443);
    BOOST_TEST((u.store_location.type == user_store_location::kind::postgres));
    BOOST_TEST(u.store_location.target == "postgresql://proxy:pw@db.example:5432/litmus?sslmode=require");
    BOOST_TEST(u.state_ttl.count() == 300'000);
    BOOST_TEST(u.redirect_uris == (std::vector<std::string>{"https://app.example/litmus/callback",
                                                            "http://localhost:3000/cb"}));
    BOOST_TEST(u.default_user == "alice@example.com");
    BOOST_TEST_REQUIRE(u.key.has_value());
    BOOST_TEST((*u.key == key_counting_from(0)));
    BOOST_TEST_REQUIRE(u.old_key.has_value());
    BOOST_TEST((*u.old_key == key_counting_from(100)));
}

BOOST_AUTO_TEST_CASE(keys_are_base64_or_hex_of_32_bytes)
{
    BOOST_TEST((parse_store_key(key_a_base64).value() == key_counting_from(0)));
    BOOST_TEST((parse_store_key(key_a_hex).value() == key_counting_from(0)));
    BOOST_TEST((parse_store_key(key_b_hex_upper).value() == key_counting_from(100)));
    const std::string refused[] = {
        "",
        "short",
        key_a_base64.substr(0, 43),                   // padding missing
        key_a_base64.substr(0, 42) + "==",            // 31 bytes
        key_a_base64.substr(0, 42) + "!=",            // not base64
        key_a_base64.substr(0, 42) + "h=",            // stray low bits in the last digit
        key_a_hex.substr(0, 62),                      // 31 bytes
        key_a_hex.substr(0, 63) + "g",                // not hex
        key_a_hex + "00",                             // 33 bytes
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY", // 44 chars, no padding: 33 bytes
    };
    for (const auto& text : refused) {
        BOOST_TEST_CONTEXT("key text of " << text.size() << " characters")
        {
            auto r = parse_store_key(text);
            BOOST_TEST_REQUIRE(!r.has_value());
            BOOST_TEST(contains(r.error().message, "openssl rand -base64 32"));
            if (!text.empty())
                BOOST_TEST(!contains(r.error().message, text), "the key text is never shown");
        }
    }
}

BOOST_AUTO_TEST_CASE(users_without_a_key_refuse_to_start_and_say_how_to_make_one)
{
    auto message = error_of("log: {level: info}\nusers:\n  state_ttl: 1m\n", base_env());
    BOOST_TEST(contains(message, "config.yaml:3:"), message);
    BOOST_TEST(contains(message, "users: no key"), message);
    BOOST_TEST(contains(message, "users.key_file or LITMUS_PROXY_USERS_KEY"), message);
    BOOST_TEST(contains(message, "openssl rand -base64 32"), message);
}

BOOST_AUTO_TEST_CASE(a_command_that_fetches_no_token_loads_users_without_a_key)
{
    auto cfg = load("users: {}\n", {}, credentials_use::not_needed);
    BOOST_TEST_REQUIRE(cfg.users.has_value());
    BOOST_TEST(!cfg.users->key.has_value());
    BOOST_TEST(cfg.users->authorize_parsed.host == "litmus.com");
}

BOOST_AUTO_TEST_CASE(bad_key_material_is_refused_without_showing_it)
{
    test::temp_dir dir;
    const std::string secret_text = "not-a-key-but-a-secret-passphrase";
    auto bad = dir.write_file("bad.key", secret_text + "\n");
    auto good = dir.write_file("good.key", key_a_base64 + "\n");

    auto in_file = error_of("users:\n  key_file: " + bad + "\n", base_env());
    BOOST_TEST(contains(in_file, "config.yaml:2:"), in_file);
    BOOST_TEST(contains(in_file, "users.key_file: '" + bad + "': expected 32 random bytes"), in_file);
    BOOST_TEST(contains(in_file, "openssl rand -base64 32"), in_file);
    BOOST_TEST(!contains(in_file, secret_text), in_file);

    auto in_env = error_of("users: {}\n", base_env({{"LITMUS_PROXY_USERS_KEY", secret_text}}));
    BOOST_TEST(contains(in_env, "environment LITMUS_PROXY_USERS_KEY: expected 32 random bytes"), in_env);
    BOOST_TEST(!contains(in_env, secret_text), in_env);

    auto old_bad = error_of("users:\n  key_file: " + good + "\n  old_key_file: " + bad + "\n", base_env());
    BOOST_TEST(contains(old_bad, "config.yaml:3:"), old_bad);
    BOOST_TEST(contains(old_bad, "users.old_key_file:"), old_bad);
    BOOST_TEST(!contains(old_bad, secret_text), old_bad);

    auto missing = error_of("users:\n  key_file: " + dir.file("absent.key") + "\n", base_env());
    BOOST_TEST(contains(missing, "users.key_file: cannot read"), missing);

    auto same = error_of("users:\n  key_file: " + good + "\n  old_key_file: " + good + "\n", base_env());
    BOOST_TEST(contains(same, "users.old_key_file: holds the same key as the current key"), same);
}

BOOST_AUTO_TEST_CASE(bad_users_values_name_file_line_and_key)
{
    const auto env = base_env({{"LITMUS_PROXY_USERS_KEY", key_a_base64}});
    struct bad_case {
        std::string yaml;
        std::string expected;
    };
    const bad_case cases[] = {
        {"users:\n  authorize_url: http://litmus.com/oauth/authorize\n", "config.yaml:2:18: users.authorize_url:"},
        {"users:\n  store: mysql://root:hunter2@db/litmus\n", "config.yaml:2:10: users.store: expected sqlite:PATH or a postgres://... URL, got scheme 'mysql'"},
        {"users:\n  store: \"sqlite:\"\n", "config.yaml:2:10: users.store: expected sqlite:PATH with a file path"},
        {"users:\n  state_ttl: soon\n", "config.yaml:2:14: users.state_ttl: expected a duration"},
        {"users:\n  state_ttl: 2h\n", "config.yaml:2:14: users.state_ttl: must be from 1s to 1h"},
        {"users:\n  redirect_uris: [/callback]\n", "config.yaml:2:19: users.redirect_uris[0]: expected an absolute URI"},
        {"users:\n  redirect_uris: [\"https://app.example/cb#frag\"]\n", "users.redirect_uris[0]: expected an absolute URI"},
        {"users:\n  redirect_uris: https://app.example/cb\n", "config.yaml:2:18: users.redirect_uris: expected a list"},
        {"users:\n  default: \"bob smith\"\n", "config.yaml:2:12: users.default: expected a user key of 1 to 128 characters"},
        {"users:\n  default: " + std::string(129, 'a') + "\n", "users.default: expected a user key"},
        {"users:\n  key: x\n", "config.yaml:2:3: unknown key 'users.key' (known keys: authorize_url, store, key_file"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.yaml)
        {
            auto message = error_of(c.yaml, env);
            BOOST_TEST(contains(message, c.expected), message);
            BOOST_TEST(!contains(message, "hunter2"), "a store URL's password is never shown");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::config

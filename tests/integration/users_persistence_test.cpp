// User tokens survive restarts (issue 11): the SQLite store keeps a
// connected user across a restart of the proxy, a refresh after the restart
// rotates the refresh token and the rotated one is what the next restart
// uses; the file (and its WAL) holds no token in clear; a key rotation
// (users.old_key_file) keeps users connected and re-encrypts their rows on
// the next write.

#include "tests/integration/users_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

namespace litmus::test {

namespace {

using fake::fake_litmus;
namespace fs = std::filesystem;

// The bytes of the store: the database file and, when present, its WAL.
std::string store_bytes(const std::string& db)
{
    std::string all;
    for (const auto& path : {db, db + "-wal"}) {
        std::ifstream in(path, std::ios::binary);
        if (in)
            all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
}

// Every access and refresh token the fake issued to `login`.
std::vector<std::string> tokens_of(const fake_litmus& fake, const std::string& login)
{
    std::vector<std::string> out;
    for (auto list : {fake.issued_tokens(), fake.issued_refresh_tokens()})
        for (auto& t : list)
            if (fake.login_of_token(t) == login)
                out.push_back(std::move(t));
    return out;
}

// The access token the last API request on `path` carried.
std::string last_token_on(const fake_litmus& fake, std::string_view path)
{
    auto requests = fake.api_requests();
    for (auto it = requests.rbegin(); it != requests.rend(); ++it)
        if (it->path() == path)
            return it->bearer_token();
    return {};
}

constexpr std::string_view me = "/api/v2/users/current";

}  // namespace

BOOST_AUTO_TEST_SUITE(users_persistence_test)

BOOST_AUTO_TEST_CASE(a_user_survives_restarts_and_refreshes_with_rotation)
{
    fake_litmus fake;
    users_files files;
    const auto yaml = files.yaml(fake);
    const auto alice = fake_litmus::user_profile_of("alice").id;

    {
        running_proxy first(yaml);
        http_client app(first.port());
        connect_user(app, fake, "u-1", "alice");
        BOOST_TEST(user_id_of(get_as(app, "u-1")) == alice);
    }
    {
        running_proxy second(yaml);
        http_client app(second.port());
        // Served from the stored token: no new authorization, no refresh.
        auto r = get_as(app, "u-1");
        BOOST_TEST_REQUIRE(r.status == 200u, r.body);
        BOOST_TEST(user_id_of(r) == alice);
        BOOST_TEST(fake.user_counts("alice").codes_exchanged == 1u);
        BOOST_TEST(fake.user_counts("alice").refreshes == 0u);

        // Litmus expires the access token: the proxy gets a 401, refreshes
        // with the stored refresh token, and retries.
        BOOST_TEST_REQUIRE(fake.expire_user_tokens("alice") >= 1u);
        auto after = get_as(app, "u-1");
        BOOST_TEST_REQUIRE(after.status == 200u, after.body);
        BOOST_TEST(user_id_of(after) == alice);
        BOOST_TEST(fake.user_counts("alice").refreshes == 1u);
        BOOST_TEST(fake.user_counts("alice").refreshes_refused == 0u);
        BOOST_TEST(last_token_on(fake, "/v2/users/current") == fake.issued_tokens().back());
        BOOST_TEST(metric(second.admin_port(), R"(litmus_proxy_user_refreshes_total{outcome="success"})") == 1.0);
        auto status = user_status(app, "u-1");
        BOOST_TEST_REQUIRE(status.status == 200u, status.body);
        BOOST_TEST(status.json().at("connected").as_bool());
        BOOST_TEST(!status.json().at("reauthorization_required").as_bool());
    }
    {
        // The refresh's tokens were stored: the new access token serves at
        // once, and the next refresh presents the rotated refresh token (the
        // first one is spent: presenting it would be refused).
        running_proxy third(yaml);
        http_client app(third.port());
        BOOST_TEST(get_as(app, "u-1").status == 200u);
        BOOST_TEST(fake.user_counts("alice").refreshes == 1u);
        BOOST_TEST_REQUIRE(fake.expire_user_tokens("alice") >= 1u);
        auto r = get_as(app, "u-1");
        BOOST_TEST(r.status == 200u, r.body);
        BOOST_TEST(fake.user_counts("alice").refreshes == 2u);
        BOOST_TEST(fake.user_counts("alice").refreshes_refused == 0u);
        BOOST_TEST(fake.user_counts("alice").codes_exchanged == 1u);
    }
}

BOOST_AUTO_TEST_CASE(the_store_holds_no_token_in_clear)
{
    users_proxy p;
    auto& [fake, files, proxy, app] = p;
    connect_user(app, fake, "file-user-1", "alice");
    connect_user(app, fake, "file-user-2", "bob");
    BOOST_TEST_REQUIRE(fake.expire_user_tokens("alice") >= 1u);
    BOOST_TEST_REQUIRE(get_as(app, "file-user-1").status == 200u);  // a refresh: rows rewritten
    BOOST_TEST_REQUIRE(fake.user_counts("alice").refreshes == 1u);

    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(files.db_path().c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u, std::oct << (st.st_mode & 0777));

    auto bytes = store_bytes(files.db_path());
    // The check reads the right bytes: the rows are there, by user key.
    BOOST_TEST_REQUIRE(bytes.find("file-user-1") != std::string::npos);
    BOOST_TEST_REQUIRE(bytes.find("file-user-2") != std::string::npos);
    std::size_t checked = 0;
    for (const std::string login : {"alice", "bob"})
        for (const auto& token : tokens_of(fake, login)) {
            BOOST_TEST(bytes.find(token) == std::string::npos, login << "'s token " << token << " is in the store in clear");
            ++checked;
        }
    BOOST_TEST(checked >= 6u);  // alice: 2 access, 2 refresh; bob: 1 + 1
}

BOOST_AUTO_TEST_CASE(a_key_rotation_keeps_users_connected)
{
    fake_litmus fake;
    users_files files;
    const auto key_a = files.key_file("a.key", users_key_a);
    const auto key_b = files.key_file("b.key", users_key_b);
    const auto alice = fake_litmus::user_profile_of("alice").id;
    {
        running_proxy under_a(files.yaml(fake, "", "", key_a));
        http_client app(under_a.port());
        connect_user(app, fake, "u-1", "alice");
    }

    // A control on a copy of the store: without the old key the rows are not
    // readable, so the rotation below is what keeps the user.
    {
        users_files elsewhere;
        for (std::string_view suffix : {"", "-wal", "-shm"})
            if (fs::exists(files.db_path() + std::string(suffix)))
                fs::copy_file(files.db_path() + std::string(suffix), elsewhere.db_path() + std::string(suffix));
        const auto key_c = elsewhere.key_file("c.key", users_key_c);
        running_proxy wrong_key(elsewhere.yaml(fake, "", "", key_c));
        http_client app(wrong_key.port());
        const auto before = fake.user_counts("alice").api_requests;
        auto r = get_as(app, "u-1");
        BOOST_TEST(r.status != 200u, r.body);
        BOOST_TEST(fake.user_counts("alice").api_requests == before);
    }

    {
        // The new key, the old one for reading: still connected and served.
        running_proxy rotated(files.yaml(fake, "  old_key_file: " + key_a + "\n", "", key_b));
        http_client app(rotated.port());
        auto status = user_status(app, "u-1");
        BOOST_TEST_REQUIRE(status.status == 200u, status.body);
        BOOST_TEST(status.json().at("connected").as_bool());
        auto r = get_as(app, "u-1");
        BOOST_TEST_REQUIRE(r.status == 200u, r.body);
        BOOST_TEST(user_id_of(r) == alice);
        BOOST_TEST(fake.user_counts("alice").codes_exchanged == 1u);
        // A refresh writes the row, now under the new key.
        BOOST_TEST_REQUIRE(fake.expire_user_tokens("alice") >= 1u);
        BOOST_TEST_REQUIRE(get_as(app, "u-1").status == 200u);
        BOOST_TEST(fake.user_counts("alice").refreshes == 1u);
    }
    {
        // The old key retired: the re-encrypted row reads under the new key alone.
        running_proxy new_only(files.yaml(fake, "", "", key_b));
        http_client app(new_only.port());
        auto r = get_as(app, "u-1");
        BOOST_TEST(r.status == 200u, r.body);
        BOOST_TEST(user_id_of(r) == alice);
        BOOST_TEST(fake.user_counts("alice").refreshes == 1u);
        BOOST_TEST(fake.user_counts("alice").codes_exchanged == 1u);
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

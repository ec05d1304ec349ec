// Secret rotation without a restart: credential files re-read when they
// change (the Kubernetes `..data` symlink swap) and on SIGHUP, which also
// re-reads log.level; the warning about a secret file others can read.

#include "tests/integration/binary_fixture.hpp"
#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

namespace litmus::test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// A directory laid out as the kubelet lays out a secret volume:
///   client_secret -> ..data/client_secret, ..data -> ..2026_11_27_<n>/
/// publish() writes a new generation and swaps `..data` with one rename(2),
/// so a reader sees the old or the new file, never a mix.
class secret_volume {
public:
    explicit secret_volume(fs::path dir) : dir_(std::move(dir)) {}

    void publish(const std::string& name, const std::string& content, fs::perms mode = fs::perms::owner_read)
    {
        auto generation = "..2026_11_27_" + std::to_string(++generation_);
        fs::create_directory(dir_ / generation);
        auto file = dir_ / generation / name;
        std::ofstream(file, std::ios::binary) << content;
        fs::permissions(file, mode);
        fs::create_directory_symlink(generation, dir_ / "..data_tmp");
        fs::rename(dir_ / "..data_tmp", dir_ / "..data");
        if (!fs::is_symlink(dir_ / name))
            fs::create_symlink(fs::path("..data") / name, dir_ / name);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

private:
    fs::path dir_;
    int generation_ = 0;
};

/// Polls `done` every 5 ms until it holds or `limit` has passed.
bool poll_until(std::chrono::milliseconds limit, const std::function<bool()>& done)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= end)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

std::string secret_of(const fake::recorded_request& token_request)
{
    return std::string(json::parse(token_request.body).as_object().at("client_secret").as_string());
}

std::string credentials_yaml(const std::string& secret_file, std::string_view watch_interval)
{
    return "credentials:\n  client_id: test-client\n  client_secret_file: " + secret_file +
           "\n  watch_interval: " + std::string(watch_interval) + "\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_rotation_test)

BOOST_AUTO_TEST_CASE(credential_source_follows_a_symlink_swap_and_keeps_the_old_value_on_a_bad_file)
{
    temp_dir dir;
    secret_volume vol(dir.path());
    vol.publish("client_secret", "first\n");
    config::credentials_config initial;
    initial.client_id = "id";
    initial.client_secret = "first";
    initial.client_secret_file = vol.path("client_secret");
    token::credential_source source(initial);
    BOOST_TEST(source.watches_files());

    source.rescan();
    BOOST_TEST(source.current()->client_secret == "first");

    vol.publish("client_secret", "second\n");
    BOOST_TEST(source.current()->client_secret == "first");  // read on rescan only
    source.rescan();
    BOOST_TEST(source.current()->client_secret == "second");
    BOOST_TEST(source.current()->client_id == "id");

    vol.publish("client_secret", " \n");
    source.rescan();
    BOOST_TEST(source.current()->client_secret == "second");

    fs::remove(dir.path() / "..data");
    source.rescan();
    BOOST_TEST(source.current()->client_secret == "second");

    vol.publish("client_secret", "third");
    source.rescan();
    BOOST_TEST(source.current()->client_secret == "third");
}

// The scenario of a Kubernetes secret rotation: the volume's `..data` link is
// swapped while the application keeps sending requests, Litmus then accepts
// only the new secret and revokes the old tokens. The next token fetch must
// carry the new secret, and no request may fail on the way.
BOOST_AUTO_TEST_CASE(rotated_secret_is_used_by_the_next_fetch_while_requests_flow)
{
    fake::fake_litmus fake;
    temp_dir dir;
    secret_volume vol(dir.path());
    vol.publish("client_secret", "test-secret\n");
    running_proxy proxy(yaml_for(fake, "", credentials_yaml(vol.path("client_secret"), "20ms")), {});
    BOOST_TEST_REQUIRE(await_ok(proxy.port(), "/api/v2/users/current", 10s));

    std::atomic<bool> stop{false};
    load_result flow;
    std::thread client([&] {
        flow = paced_requests(proxy.port(), "/api/v2/users/current", 5ms, 30s,
                              [&](const load_result&) { return stop.load(); });
    });

    vol.publish("client_secret", "rotated-secret\n");
    bool reloaded = poll_until(5s, [&] { return proxy.credentials().current()->client_secret == "rotated-secret"; });
    BOOST_TEST(reloaded);

    auto fetches_before = fake.token_request_count();
    auto api_before = fake.api_request_count();
    fake.set_credentials("test-client", "rotated-secret");
    fake.revoke_all_tokens();
    // A new token was fetched and requests went on with it.
    bool moved_on = poll_until(10s, [&] {
        return fake.token_request_count() > fetches_before && fake.api_request_count() > api_before + 10;
    });
    stop = true;
    client.join();
    BOOST_TEST_REQUIRE(moved_on);

    BOOST_TEST(flow.samples.size() > 10u);
    BOOST_TEST(flow.count(200) == flow.samples.size(), "statuses: " << [&] {
        std::string s;
        for (auto [status, n] : flow.statuses())
            s += std::to_string(status) + "x" + std::to_string(n) + " ";
        return s;
    }());
    auto fetches = fake.token_requests();
    BOOST_TEST_REQUIRE(fetches.size() > fetches_before);
    BOOST_TEST(secret_of(fetches.front()) == "test-secret");
    for (auto i = fetches_before; i < fetches.size(); ++i)
        BOOST_TEST(secret_of(fetches[i]) == "rotated-secret");
}

// SIGHUP re-reads log.level from the config file (debug lines appear) and
// re-reads the credential files at once; a config that no longer loads keeps
// the running level.
BOOST_AUTO_TEST_CASE(sighup_rereads_log_level_and_credential_files)
{
    fake::fake_litmus fake;
    temp_dir dir;
    secret_volume vol(dir.path());
    vol.publish("client_secret", "test-secret\n");
    // watch_interval 0: only SIGHUP re-reads the file.
    auto base = yaml_for(fake, "", credentials_yaml(vol.path("client_secret"), "0"));
    auto config = dir.write_file("p.yaml", base + "log:\n  level: info\n");
    child_process p(LITMUS_PROXY_BINARY, {"--config", config}, clean_env());
    auto port = wait_listening(p);
    BOOST_TEST(http_once(port, http::verb::get, "/api/v2/users/current").status == 200u);

    // Same level: the re-read of the unchanged secret file is a debug line, not shown.
    p.send_signal(SIGHUP);
    BOOST_TEST_REQUIRE(p.wait_for_output("\"event\":\"reloaded\"", 10s), p.output());
    BOOST_TEST(occurrences(p.output(), "\"event\":\"credential_unchanged\"") == 0u);

    dir.write_file("p.yaml", base + "log:\n  level: debug\n");
    vol.publish("client_secret", "rotated-secret\n");
    p.send_signal(SIGHUP);
    BOOST_TEST_REQUIRE(poll_until(10s, [&] { return occurrences(p.output(), "\"event\":\"reloaded\"") == 2; }),
                       p.output());
    auto out = p.output();
    BOOST_TEST(occurrences(out, "\"event\":\"credentials_reloaded\"") == 1u, out);
    BOOST_TEST(out.find("\"credential\":\"client_secret\"") != std::string::npos);

    // A broken config keeps debug on and says why.
    dir.write_file("p.yaml", base + "log:\n  level: chatty\n");
    p.send_signal(SIGHUP);
    BOOST_TEST_REQUIRE(poll_until(10s, [&] { return occurrences(p.output(), "\"event\":\"reloaded\"") == 3; }),
                       p.output());
    out = p.output();
    BOOST_TEST(occurrences(out, "\"event\":\"reload_failed\"") == 1u, out);
    BOOST_TEST(out.find("log.level") != std::string::npos);
    BOOST_TEST(occurrences(out, "\"event\":\"credential_unchanged\"") == 1u, out);

    // The next fetch uses the secret re-read on SIGHUP.
    fake.set_credentials("test-client", "rotated-secret");
    fake.revoke_all_tokens();
    BOOST_TEST(http_once(port, http::verb::get, "/api/v2/users/current").status == 200u);
    BOOST_TEST(secret_of(fake.token_requests().back()) == "rotated-secret");

    p.terminate();
    int code = -1;
    BOOST_TEST_REQUIRE(p.wait_for_exit(10s, code));
    BOOST_TEST(code == 0);
    out = p.output();
    BOOST_TEST(out.find("test-secret") == std::string::npos);
    BOOST_TEST(out.find("rotated-secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_secret_file_only_the_proxys_own_group_can_read_is_not_warned_about)
{
    // Kubernetes' 0440 with the pod's fsGroup: the file's group (here the
    // test's, which the child inherits) is the proxy's own.
    fake::fake_litmus fake;
    temp_dir dir;
    secret_volume vol(dir.path());
    vol.publish("client_secret", "test-secret\n", fs::perms::owner_read | fs::perms::group_read);
    auto config = dir.write_file("p.yaml", yaml_for(fake, "", credentials_yaml(vol.path("client_secret"), "20ms")));
    child_process p(LITMUS_PROXY_BINARY, {"--config", config}, clean_env());
    wait_listening(p);  // the check runs before the listeners start
    BOOST_TEST(p.output().find("credential_file_permissions") == std::string::npos, p.output());
}

BOOST_AUTO_TEST_CASE(a_secret_file_others_can_read_is_warned_about_once)
{
    fake::fake_litmus fake;
    temp_dir dir;
    secret_volume vol(dir.path());
    auto readable = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
    vol.publish("client_secret", "test-secret\n", readable);
    auto config = dir.write_file("p.yaml", yaml_for(fake, "", credentials_yaml(vol.path("client_secret"), "20ms")));
    child_process p(LITMUS_PROXY_BINARY, {"--config", config}, clean_env());
    wait_listening(p);
    // Rotated to another 0644 file, then re-read on SIGHUP: still one warning.
    vol.publish("client_secret", "test-secret-2\n", readable);
    BOOST_TEST_REQUIRE(p.wait_for_output("\"event\":\"credentials_reloaded\"", 10s), p.output());
    p.send_signal(SIGHUP);
    BOOST_TEST_REQUIRE(p.wait_for_output("\"event\":\"reloaded\"", 10s), p.output());

    auto out = p.output();
    BOOST_TEST(occurrences(out, "\"event\":\"credential_file_permissions\"") == 1u, out);
    BOOST_TEST(out.find("\"mode\":\"0644\"") != std::string::npos, out);
    BOOST_TEST(out.find(vol.path("client_secret")) != std::string::npos, out);
    BOOST_TEST(out.find("test-secret") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

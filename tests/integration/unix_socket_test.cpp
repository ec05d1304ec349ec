// The proxy listener as a Unix-domain socket (`listen: unix:PATH`) and under
// systemd socket activation: requests over the socket, the file's mode, its
// removal on SIGTERM, a stale file replaced and anything else in the way
// refused, and a socket passed in as fd 3 used instead of `listen`.

#include "tests/integration/binary_fixture.hpp"
#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sys/stat.h>

namespace litmus::test {

using namespace std::chrono_literals;
using unix_socket = net::local::stream_protocol;

namespace {

// One GET over the socket at `path`, as `curl --unix-socket` sends it
// (Host: localhost), bounded by 10 s.
http_reply unix_get(const std::string& path, std::string_view target, const header_pairs& headers = {})
{
    net::io_context ioc;
    beast::basic_stream<unix_socket> stream(ioc);
    stream.expires_after(10s);
    http_reply out;
    error_code ec;
    stream.async_connect(unix_socket::endpoint(path), [&](error_code e) { ec = e; });
    ioc.run();
    if (ec) {
        out.error = "connect: " + ec.message();
        return out;
    }
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    for (const auto& [name, value] : headers)
        req.insert(name, value);
    req.keep_alive(false);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::async_write(stream, req, [&](error_code e, std::size_t) {
        ec = e;
        if (!e)
            http::async_read(stream, buffer, res, [&](error_code e2, std::size_t) { ec = e2; });
    });
    ioc.restart();
    ioc.run();
    if (ec) {
        out.error = ec.message();
        return out;
    }
    out.status = res.result_int();
    out.body = res.body();
    return out;
}

bool is_socket(const std::string& path)
{
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

unsigned mode_of(const std::string& path)
{
    struct stat st {};
    BOOST_TEST_REQUIRE(::lstat(path.c_str(), &st) == 0, path);
    return st.st_mode & 07777;
}

std::map<std::string, std::string> listening_on(const std::string& path)
{
    auto env = test_credentials_env();
    env["LITMUS_PROXY_LISTEN"] = "unix:" + path;
    return env;
}

// What starting the in-process proxy on the socket `path` throws; "" when it starts.
std::string start_error(const fake::fake_litmus& fake, const std::string& path)
{
    try {
        running_proxy proxy(yaml_for(fake), listening_on(path));
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return {};
}

// The proxy's log line announcing the listener.
std::string listening_line(const std::string& output)
{
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_search(output, m, std::regex(R"([^\n]*"event":"listening"[^\n]*)")), output);
    return m[0];
}

// The real binary, with the config pointing it at `fake` and `opts` as given.
std::unique_ptr<child_process> start_binary(const fake::fake_litmus& fake, const temp_dir& dir, process_options opts)
{
    auto config = dir.write_file("p.yaml", yaml_for(fake));
    return std::make_unique<child_process>(LITMUS_PROXY_BINARY, std::vector<std::string>{"--config", config},
                                           std::move(opts));
}

process_options binary_env(std::vector<std::pair<std::string, std::string>> extra = {})
{
    extra.emplace_back("LITMUS_CLIENT_ID", "test-client");
    extra.emplace_back("LITMUS_CLIENT_SECRET", "test-secret");
    return clean_env(std::move(extra));
}

// The binary started the way systemd starts a socket-activated service.
std::unique_ptr<child_process> start_activated(const fake::fake_litmus& fake, const temp_dir& dir, int listen_fd)
{
    auto opts = binary_env();
    opts.listen_fd = listen_fd;
    return start_binary(fake, dir, std::move(opts));
}

// SIGTERM, then the exit status the drain ends with.
int exit_code_after_sigterm(child_process& p)
{
    p.terminate();
    int code = -999;
    BOOST_TEST_REQUIRE(p.wait_for_exit(10s, code), p.output());
    return code;
}

// The fake Litmus, a private directory and a socket path in it.
struct socket_env {
    fake::fake_litmus fake;
    temp_dir dir;
    const std::string path = dir.file("proxy.sock");
};

}  // namespace

BOOST_AUTO_TEST_SUITE(unix_socket_test)

BOOST_FIXTURE_TEST_CASE(request_over_the_socket_reaches_litmus_with_the_token, socket_env)
{
    {
        running_proxy proxy(yaml_for(fake, "", "downstream:\n  listen_mode: \"0640\"\n"), listening_on(path));
        BOOST_TEST(is_socket(path));
        BOOST_TEST(mode_of(path) == 0640u);

        auto r = unix_get(path, "/api/v2/users/current");
        BOOST_TEST_REQUIRE(r.status == 200u, r.error << r.body);
        BOOST_TEST(r.body.find("\"user\"") != std::string::npos);
        auto api = fake.api_requests();
        BOOST_TEST_REQUIRE(api.size() == 1u);
        BOOST_TEST(api[0].header("Authorization") == "Bearer " + fake.issued_tokens().at(0));

        // The trust checks hold on the socket too: a browser request is refused.
        BOOST_TEST(unix_get(path, "/api/v2/users/current", {{"Origin", "https://evil.example"}}).status == 403u);
        BOOST_TEST(fake.api_requests().size() == 1u);
    }
    // The drain (what SIGTERM does) removed the file.
    BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_FIXTURE_TEST_CASE(binary_serves_on_the_socket_with_the_default_mode_and_removes_it_on_sigterm, socket_env)
{
    auto p = start_binary(fake, dir, binary_env({{"LITMUS_PROXY_LISTEN", "unix:" + path}}));
    BOOST_TEST_REQUIRE(p->wait_for_output("\"event\":\"listening\"", 10s), p->output());
    BOOST_TEST(listening_line(p->output()).find("\"path\":\"" + path + "\"") != std::string::npos);
    BOOST_TEST(mode_of(path) == 0660u);
    BOOST_TEST(unix_get(path, "/api/v2/users/current").status == 200u);

    BOOST_TEST(exit_code_after_sigterm(*p) == 0);
    BOOST_TEST(!std::filesystem::exists(path), "the socket file is removed on exit");
}

BOOST_FIXTURE_TEST_CASE(live_socket_is_left_alone_and_a_stale_one_replaced, socket_env)
{
    {
        net::io_context ioc;
        unix_socket::acceptor other(ioc, unix_socket::endpoint(path));
        BOOST_TEST(start_error(fake, path).find("another process is accepting connections on this socket") !=
                   std::string::npos);
        BOOST_TEST(is_socket(path));
    }
    // Closed, its file stays: what a crashed run leaves behind.
    BOOST_TEST_REQUIRE(is_socket(path));
    running_proxy proxy(yaml_for(fake), listening_on(path));
    BOOST_TEST(unix_get(path, "/api/v2/users/current").status == 200u);
}

BOOST_FIXTURE_TEST_CASE(file_that_is_not_a_socket_stops_the_start_and_is_kept, socket_env)
{
    dir.write_file("proxy.sock", "precious data\n");
    auto p = start_binary(fake, dir, binary_env({{"LITMUS_PROXY_LISTEN", "unix:" + path}}));
    int code = -1;
    BOOST_TEST_REQUIRE(p->wait_for_exit(10s, code));
    BOOST_TEST(code == 1);
    BOOST_TEST(p->output().find("listen: unix:" + path +
                                ": a file that is not a socket is in the way; refusing to replace it") !=
                   std::string::npos,
               p->output());
    std::ifstream kept(path);
    std::string content;
    std::getline(kept, content);
    BOOST_TEST(content == "precious data");
}

BOOST_FIXTURE_TEST_CASE(missing_directory_is_named, socket_env)
{
    BOOST_TEST(start_error(fake, dir.file("absent/proxy.sock")).find("create the directory first") !=
               std::string::npos);
}

// systemd's litmus-proxy.socket: the socket (and its file) belong to systemd;
// the proxy serves on it instead of the configured `listen` and leaves the
// file in place at exit.
BOOST_FIXTURE_TEST_CASE(activated_unix_socket_is_used_instead_of_listen_and_kept, socket_env)
{
    net::io_context ioc;
    unix_socket::acceptor passed(ioc, unix_socket::endpoint(path));
    auto p = start_activated(fake, dir, passed.native_handle());
    BOOST_TEST_REQUIRE(p->wait_for_output("\"event\":\"listening\"", 10s), p->output());
    auto line = listening_line(p->output());
    BOOST_TEST(line.find("\"path\":\"" + path + "\"") != std::string::npos, line);
    BOOST_TEST(line.find("\"socket_activation\":true") != std::string::npos, line);
    BOOST_TEST(line.find("\"port\"") == std::string::npos, "the configured TCP listen is not bound: " << line);

    auto r = unix_get(path, "/api/v2/users/current");
    BOOST_TEST_REQUIRE(r.status == 200u, r.error << r.body);
    BOOST_TEST(fake.api_requests().at(0).header("Authorization") == "Bearer " + fake.issued_tokens().at(0));

    BOOST_TEST(exit_code_after_sigterm(*p) == 0);
    BOOST_TEST(is_socket(path), "systemd's socket file is left alone");
}

BOOST_FIXTURE_TEST_CASE(activated_tcp_socket_is_used_instead_of_listen, socket_env)
{
    net::io_context ioc;
    tcp::acceptor passed(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    auto p = start_activated(fake, dir, passed.native_handle());
    auto port = wait_listening(*p);
    BOOST_TEST(port == passed.local_endpoint().port());
    BOOST_TEST(http_once(port, http::verb::get, "/api/v2/users/current").status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

#include "proxy/core/sd_daemon.hpp"
#include "tests/unit/scoped_env.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace litmus::sd {

namespace {

// None of the protocol variables, whatever the test runner's environment has.
test::scoped_env no_systemd()
{
    return test::scoped_env{{"NOTIFY_SOCKET", std::nullopt}, {"WATCHDOG_USEC", std::nullopt},
                            {"WATCHDOG_PID", std::nullopt},  {"LISTEN_FDS", std::nullopt},
                            {"LISTEN_PID", std::nullopt},    {"LISTEN_FDNAMES", std::nullopt}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sd_daemon_test)

BOOST_AUTO_TEST_CASE(notify_reaches_an_abstract_socket_as_one_datagram)
{
    const std::string name = "litmus-sd-test-" + std::to_string(::getpid());
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    BOOST_TEST_REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    name.copy(addr.sun_path + 1, name.size());  // leading NUL: abstract
    BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr),
                              static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())) == 0);
    {
        test::scoped_env env{{"NOTIFY_SOCKET", "@" + name}};
        BOOST_TEST(notify("READY=1\nSTATUS=serving") == 0);
    }
    char buf[64] = {};
    const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    BOOST_TEST(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) == "READY=1\nSTATUS=serving");
    ::close(fd);
}

BOOST_AUTO_TEST_CASE(notify_without_a_socket_is_a_no_op_and_a_bad_one_an_error)
{
    auto clean = no_systemd();
    BOOST_TEST(notify("READY=1") == 0);
    test::scoped_env env{{"NOTIFY_SOCKET", "relative/path"}};
    BOOST_TEST(notify("READY=1") < 0);
}

BOOST_AUTO_TEST_CASE(the_watchdog_is_for_this_process_only)
{
    auto clean = no_systemd();
    BOOST_TEST(!watchdog_interval());
    {
        test::scoped_env env{{"WATCHDOG_USEC", "30000000"}};
        BOOST_TEST(watchdog_interval().value_or(std::chrono::microseconds(0)).count() == 30'000'000);
    }
    {
        test::scoped_env env{{"WATCHDOG_USEC", "30000000"}, {"WATCHDOG_PID", std::to_string(::getpid())}};
        BOOST_TEST(watchdog_interval().value_or(std::chrono::microseconds(0)).count() == 30'000'000);
    }
    {
        test::scoped_env env{{"WATCHDOG_USEC", "30000000"}, {"WATCHDOG_PID", std::to_string(::getpid() + 1)}};
        BOOST_TEST(!watchdog_interval());
    }
    {
        test::scoped_env env{{"WATCHDOG_USEC", "soon"}};
        BOOST_TEST(!watchdog_interval());
    }
}

BOOST_AUTO_TEST_CASE(listen_fds_for_another_process_are_not_taken_and_the_variables_go)
{
    auto clean = no_systemd();
    BOOST_TEST(take_listen_fds() == 0);
    {
        test::scoped_env env{{"LISTEN_FDS", "1"}, {"LISTEN_PID", std::to_string(::getpid() + 1)}};
        BOOST_TEST(take_listen_fds() == 0);
        BOOST_TEST(std::getenv("LISTEN_FDS") == nullptr);
        BOOST_TEST(std::getenv("LISTEN_PID") == nullptr);
    }
    {
        test::scoped_env env{{"LISTEN_FDS", "x"}, {"LISTEN_PID", std::to_string(::getpid())}};
        BOOST_TEST(take_listen_fds() < 0);
    }
}

BOOST_AUTO_TEST_CASE(only_a_listening_stream_socket_of_the_family_qualifies)
{
    const int listening = ::socket(AF_INET, SOCK_STREAM, 0);
    const int idle = ::socket(AF_INET, SOCK_STREAM, 0);
    const int datagram = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_TEST_REQUIRE(::bind(listening, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
    BOOST_TEST_REQUIRE(::listen(listening, 1) == 0);
    BOOST_TEST(is_listening_stream(listening, AF_INET));
    BOOST_TEST(!is_listening_stream(listening, AF_UNIX));
    BOOST_TEST(!is_listening_stream(idle, AF_INET));
    BOOST_TEST(!is_listening_stream(datagram, AF_INET));
    ::close(listening);
    ::close(idle);
    ::close(datagram);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::sd

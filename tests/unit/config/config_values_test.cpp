#include "proxy/config/config_values.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::config {

namespace {

bool contains(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_values_test)

BOOST_AUTO_TEST_CASE(durations_take_ms_s_m_h_or_bare_seconds)
{
    const std::pair<std::string_view, std::int64_t> rows[] = {
        {"250ms", 250},   {"10s", 10'000},     {"5m", 300'000}, {"2h", 7'200'000},
        {"7", 7'000},     {"0", 0},            {"0ms", 0},      {"1500ms", 1'500},
        {"2400h", 2400ll * 3'600'000},
    };
    for (const auto& [text, want] : rows) {
        BOOST_TEST_CONTEXT(text)
        {
            auto d = parse_duration(text);
            BOOST_TEST_REQUIRE(d.has_value());
            BOOST_TEST(d->count() == want);
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_durations_are_refused_with_the_text)
{
    const std::string_view rows[] = {"soon", "1.5s", "-1s", "10 s", "", "10sec", "ms", "s10", "10S",
                                     "+5s", "0x10"};
    for (auto text : rows) {
        BOOST_TEST_CONTEXT(text)
        {
            auto d = parse_duration(text);
            BOOST_TEST_REQUIRE(d.has_error());
            BOOST_TEST(d.error().message ==
                       "expected a duration such as 500ms, 10s, 2m or 1h, got '" + std::string(text) + "'" +
                           (text == "1.5s" ? " (whole numbers only: write 1500ms, not 1.5s)" : ""));
        }
    }
    auto huge = parse_duration("99999999999999999999999h");
    BOOST_TEST_REQUIRE(huge.has_error());
    BOOST_TEST(contains(huge.error().message, "is too long"));
    BOOST_TEST(parse_duration("2401h").has_error());
}

BOOST_AUTO_TEST_CASE(sizes_take_bytes_or_binary_units)
{
    const std::pair<std::string_view, std::uint64_t> rows[] = {
        {"0", 0},
        {"16384", 16384},
        {"16KiB", 16 * 1024},
        {"8MiB", 8ull << 20},
        {"1GiB", 1ull << 30},
        {"1024GiB", 1ull << 40},
    };
    for (const auto& [text, want] : rows) {
        BOOST_TEST_CONTEXT(text)
        {
            auto n = parse_size(text);
            BOOST_TEST_REQUIRE(n.has_value());
            BOOST_TEST(*n == want);
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_sizes_are_refused_with_a_hint_for_decimal_units)
{
    const std::pair<std::string_view, bool> rows[] = {
        // text, whether the "units are KiB, MiB and GiB" hint applies
        {"64KB", true}, {"8mb", true}, {"1G", true}, {"1.5MiB", false},
        {"-1", false},  {"KiB", false}, {"", false},  {"8 MiB", false},
    };
    for (const auto& [text, hint] : rows) {
        BOOST_TEST_CONTEXT(text)
        {
            auto n = parse_size(text);
            BOOST_TEST_REQUIRE(n.has_error());
            BOOST_TEST(contains(n.error().message, "expected a size in bytes such as 65536, 64KiB, 8MiB or 1GiB, got '" +
                                                       std::string(text) + "'"));
            BOOST_TEST(contains(n.error().message, "(units are KiB, MiB and GiB)") == hint);
        }
    }
    auto huge = parse_size("1025GiB");
    BOOST_TEST_REQUIRE(huge.has_error());
    BOOST_TEST(huge.error().message == "size '1025GiB' is too large");
}

BOOST_AUTO_TEST_CASE(counts_and_fractions)
{
    BOOST_TEST(parse_count("64").value() == 64u);
    BOOST_TEST(parse_count("0").value() == 0u);
    for (auto bad : {"", "-1", "1.0", "ten", "1e3"})
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(parse_count(bad).has_error()); }

    BOOST_TEST(parse_fraction("0.2").value() == 0.2);
    BOOST_TEST(parse_fraction("1").value() == 1.0);
    BOOST_TEST(parse_fraction("5e-1").value() == 0.5);
    for (auto bad : {"", "0.2x", "nan", "inf", "twenty", "20%"})
        BOOST_TEST_CONTEXT(bad)
        {
            auto f = parse_fraction(bad);
            BOOST_TEST_REQUIRE(f.has_error());
            BOOST_TEST(f.error().message == "expected a number such as 0.2, got '" + std::string(bad) + "'");
        }
}

BOOST_AUTO_TEST_CASE(endpoints_need_host_and_port)
{
    struct row {
        std::string_view text;
        std::string_view host;
        std::uint16_t port;
    };
    const row good[] = {
        {"127.0.0.1:8443", "127.0.0.1", 8443},
        {"fake.local:443", "fake.local", 443},
        {"API.Litmus.com:1", "api.litmus.com", 1},
        {"[::1]:8443", "::1", 8443},
        {"[2001:DB8::1]:65535", "2001:db8::1", 65535},
        {"my_host-1:80", "my_host-1", 80},
    };
    for (const auto& t : good) {
        BOOST_TEST_CONTEXT(t.text)
        {
            auto ep = parse_endpoint(t.text);
            BOOST_TEST_REQUIRE(ep.has_value());
            BOOST_TEST(ep->host == t.host);
            BOOST_TEST(ep->port == t.port);
        }
    }

    const std::pair<std::string_view, std::string_view> bad[] = {
        {"127.0.0.1", "(the port is required)"},
        {"fake.local", "(the port is required)"},
        {":8443", "(the host is required)"},
        {"127.0.0.1:0", "with a port from 1 to 65535"},
        {"127.0.0.1:65536", "with a port from 1 to 65535"},
        {"127.0.0.1:http", "with a port from 1 to 65535"},
        {"127.0.0.1:", "with a port from 1 to 65535"},
        {"::1:8443", "IPv6 addresses go in brackets"},
        {"[::1]", "or [::1]:8443"},
        {"[::g]:80", "not a valid IPv6 address"},
        {"999.0.0.1:80", "not a valid IPv4 address"},
        {"bad host:80", "characters a host name cannot have"},
        {"user@host:80", "characters a host name cannot have"},
    };
    for (const auto& [text, why] : bad) {
        BOOST_TEST_CONTEXT(text)
        {
            auto ep = parse_endpoint(text);
            BOOST_TEST_REQUIRE(ep.has_error());
            BOOST_TEST(contains(ep.error().message, why), ep.error().message);
            BOOST_TEST(contains(ep.error().message, "'" + std::string(text) + "'"), ep.error().message);
        }
    }
}

BOOST_AUTO_TEST_CASE(listen_addresses_are_ip_literals_or_localhost)
{
    BOOST_TEST(parse_listen_address("localhost:9000")->host == "127.0.0.1");
    BOOST_TEST(parse_listen_address("LocalHost:9000")->port == 9000);
    BOOST_TEST(parse_listen_address("0.0.0.0:8080")->host == "0.0.0.0");
    BOOST_TEST(parse_listen_address("[::]:8080")->host == "::");
    BOOST_TEST(parse_listen_address("[::1]:8080")->host == "::1");

    auto named = parse_listen_address("proxy.example.com:8080");
    BOOST_TEST_REQUIRE(named.has_error());
    BOOST_TEST(named.error().message ==
               "the host must be an IP address or localhost (no DNS names), got 'proxy.example.com:8080'");
    BOOST_TEST(parse_listen_address("127.0.0.1").has_error());
    // Port 0 = any free port, for listeners only.
    BOOST_TEST(parse_listen_address("127.0.0.1:0")->port == 0);
    auto too_big = parse_listen_address("127.0.0.1:65536");
    BOOST_TEST_REQUIRE(too_big.has_error());
    BOOST_TEST(too_big.error().message ==
               "expected HOST:PORT such as 127.0.0.1:8443 with a port from 0 to 65535, got '127.0.0.1:65536'");
}

BOOST_AUTO_TEST_CASE(proxy_listen_is_a_tcp_address_or_a_unix_socket_path)
{
    auto tcp = parse_proxy_listen("localhost:8080");
    BOOST_TEST_REQUIRE(tcp.has_value());
    BOOST_TEST(tcp->tcp.host == "127.0.0.1");
    BOOST_TEST(tcp->unix_path.empty());
    auto unix_socket = parse_proxy_listen("unix:/run/litmus-proxy/proxy.sock");
    BOOST_TEST_REQUIRE(unix_socket.has_value());
    BOOST_TEST(unix_socket->unix_path == "/run/litmus-proxy/proxy.sock");

    // The TCP form keeps its own messages.
    BOOST_TEST(parse_proxy_listen("proxy.example.com:8080").error().message ==
               "the host must be an IP address or localhost (no DNS names), got 'proxy.example.com:8080'");
    for (std::string_view bad : {"unix:", "unix:relative.sock", "unix:/run/dir/"})
        BOOST_TEST(contains(parse_proxy_listen(bad).error().message, "expected an absolute socket path"), bad);
    // sun_path holds 107 bytes and the NUL.
    BOOST_TEST(parse_proxy_listen("unix:/" + std::string(106, 'a')).has_value());
    BOOST_TEST(contains(parse_proxy_listen("unix:/" + std::string(107, 'a')).error().message, "longer than 107 bytes"));
}

BOOST_AUTO_TEST_CASE(file_modes_are_three_octal_digits)
{
    BOOST_TEST(parse_file_mode("0660")->bits == 0660u);
    BOOST_TEST(parse_file_mode("600")->bits == 0600u);
    BOOST_TEST(parse_file_mode("0777")->bits == 0777u);
    BOOST_TEST(parse_file_mode("0000")->bits == 0u);
    for (std::string_view bad : {"", "660a", "0680", "4660", "1777", "66", "00660", "rw-rw----", "0x1b0"})
        BOOST_TEST(parse_file_mode(bad).has_error(), bad);
    BOOST_TEST(format_file_mode(file_mode{0660}) == "0660");
    BOOST_TEST(format_file_mode(file_mode{07}) == "0007");
}

BOOST_AUTO_TEST_CASE(https_urls_are_split_and_normalised)
{
    struct row {
        std::string_view text;
        std::string_view host;
        std::uint16_t port;
        std::string_view path;
    };
    const row good[] = {
        {"https://api.litmus.com", "api.litmus.com", 443, ""},
        {"https://API.Litmus.COM/", "api.litmus.com", 443, ""},
        {"HTTPS://api.litmus.com:8443/v3/", "api.litmus.com", 8443, "/v3"},
        {"https://litmus.com/oauth/token", "litmus.com", 443, "/oauth/token"},
        {"https://127.0.0.1:8443/base//", "127.0.0.1", 8443, "/base"},
        {"https://[::1]:8443", "::1", 8443, ""},
        {"https://host:/x", "host", 443, "/x"},
    };
    for (const auto& t : good) {
        BOOST_TEST_CONTEXT(t.text)
        {
            auto u = parse_https_url(t.text);
            BOOST_TEST_REQUIRE(u.has_value(), (u ? "" : u.error().message));
            BOOST_TEST(u->host == t.host);
            BOOST_TEST(u->port == t.port);
            BOOST_TEST(u->path == t.path);
        }
    }

    const std::pair<std::string_view, std::string_view> bad[] = {
        {"http://x", "must be an https URL, got 'http://x'"},
        {"api.litmus.com", "must be an https URL such as https://api.litmus.com, got 'api.litmus.com'"},
        {"", "must be an https URL such as https://api.litmus.com, got ''"},
        {"https://", "must name a host, such as https://api.litmus.com, got 'https://'"},
        {"https:///path", "must name a host, such as https://api.litmus.com, got 'https:///path'"},
        {"https://api.litmus.com/#top", "must not have a fragment ('#...'), got 'https://api.litmus.com/#top'"},
        {"https://api.litmus.com:0", "the port must be from 1 to 65535, got 'https://api.litmus.com:0'"},
        {"https://api.litmus.com:70000", "the port must be from 1 to 65535, got 'https://api.litmus.com:70000'"},
        {"https://api.litmus.com/a/../b", "the path must not contain '.' or '..' segments, got 'https://api.litmus.com/a/../b'"},
        {"https://api%2elitmus.com", "must name a valid host, got 'https://api%2elitmus.com'"},
        {"https://999.1.1.1", "not a valid IPv4 address in 'https://999.1.1.1'"},
    };
    for (const auto& [text, message] : bad) {
        BOOST_TEST_CONTEXT(text)
        {
            auto u = parse_https_url(text);
            BOOST_TEST_REQUIRE(u.has_error());
            BOOST_TEST(u.error().message == message);
        }
    }
}

BOOST_AUTO_TEST_CASE(url_messages_never_show_user_info_or_query)
{
    const std::string_view rows[] = {
        "https://user:hunter2@api.litmus.com",
        "http://user:hunter2@api.litmus.com",
        "https://user:hunter2@bad host",
        "https://api.litmus.com/?key=hunter2",
    };
    for (auto text : rows) {
        BOOST_TEST_CONTEXT(text)
        {
            auto u = parse_https_url(text);
            BOOST_TEST_REQUIRE(u.has_error());
            BOOST_TEST(!contains(u.error().message, "hunter2"), u.error().message);
        }
    }
}

BOOST_AUTO_TEST_CASE(authority_adds_port_and_ipv6_brackets_only_when_needed)
{
    BOOST_TEST((https_url{"api.litmus.com", 443, ""}.authority() == "api.litmus.com"));
    BOOST_TEST((https_url{"127.0.0.1", 8443, ""}.authority() == "127.0.0.1:8443"));
    BOOST_TEST((https_url{"::1", 443, ""}.authority() == "[::1]"));
    BOOST_TEST((https_url{"::1", 8443, ""}.authority() == "[::1]:8443"));
}

BOOST_AUTO_TEST_CASE(formats_in_the_largest_exact_unit)
{
    BOOST_TEST(format_duration(duration{250}) == "250ms");
    BOOST_TEST(format_duration(duration{0}) == "0s");
    BOOST_TEST(format_duration(duration{10'000}) == "10s");
    BOOST_TEST(format_duration(duration{90'000}) == "90s");
    BOOST_TEST(format_duration(duration{300'000}) == "5m");
    BOOST_TEST(format_duration(duration{3'600'000}) == "1h");
    BOOST_TEST(format_size(0) == "0");
    BOOST_TEST(format_size(1000) == "1000");
    BOOST_TEST(format_size(16 * 1024) == "16KiB");
    BOOST_TEST(format_size(64ull << 20) == "64MiB");
    BOOST_TEST(format_size(2ull << 30) == "2GiB");
}

BOOST_AUTO_TEST_CASE(quoted_escapes_control_characters_and_cuts_long_values)
{
    BOOST_TEST(quoted("a\nb") == "'a\\x0ab'");
    auto long_value = quoted(std::string(200, 'x'));
    BOOST_TEST(long_value == "'" + std::string(80, 'x') + "...'");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::config

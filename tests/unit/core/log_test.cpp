#include "proxy/core/log.hpp"
#include "proxy/core/log_flush_timer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <climits>
#include <sys/socket.h>
#include <unistd.h>

namespace litmus::log {

namespace json = boost::json;

namespace {

std::string text_of(const json::value& v)
{
    std::string out;
    append_json(out, v);
    return out;
}

// Collects what write() sends while alive.
struct collected_lines : line_observer {
    std::vector<std::string> lines;
    collected_lines() { set_line_observer(this); }
    ~collected_lines() override { set_line_observer(nullptr); }
    void on_line(std::string_view line) override { lines.emplace_back(line); }
};

// Restores the process-wide level a test changes.
struct level_guard {
    ~level_guard() { set_level(level::info); }
};

// Points stderr at a SOCK_SEQPACKET socket while alive: each read returns
// exactly what one write(2) sent, so the tests see how lines were batched.
class stderr_capture {
public:
    stderr_capture()
    {
        int fds[2];
        BOOST_TEST_REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) == 0);
        read_end_ = fds[0];
        saved_ = ::dup(STDERR_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        ::close(fds[1]);
    }
    ~stderr_capture()
    {
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        ::close(read_end_);
    }
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;

    /// The writes that have arrived, one string each, without waiting.
    std::vector<std::string> writes()
    {
        std::vector<std::string> out;
        char buf[65536];
        for (;;) {
            ssize_t n = ::recv(read_end_, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0)
                return out;
            out.emplace_back(buf, static_cast<std::size_t>(n));
        }
    }

private:
    int read_end_ = -1;
    int saved_ = -1;
};

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

BOOST_AUTO_TEST_SUITE(log_test)

BOOST_AUTO_TEST_CASE(integers_are_written_as_integers)
{
    BOOST_TEST(text_of(json::value(std::int64_t{0})) == "0");
    BOOST_TEST(text_of(json::value(std::int64_t{7200})) == "7200");
    BOOST_TEST(text_of(json::value(std::int64_t{-42})) == "-42");
    BOOST_TEST(text_of(json::value(std::numeric_limits<std::int64_t>::min())) == "-9223372036854775808");
    BOOST_TEST(text_of(json::value(std::numeric_limits<std::uint64_t>::max())) == "18446744073709551615");
    BOOST_TEST(text_of(json::value(1000000000000000ull)) == "1000000000000000");
}

BOOST_AUTO_TEST_CASE(doubles_are_fixed_with_at_most_three_decimals)
{
    struct row {
        double in;
        std::string_view out;
    };
    const row rows[] = {
        {0.0, "0"},
        {0.418, "0.418"},
        {0.41806, "0.418"},
        {0.4186, "0.419"},
        {1.5, "1.5"},
        {2.25, "2.25"},
        {7200.0, "7200"},
        {1e15, "1000000000000000"},
        {1e-7, "0"},
        {0.0005001, "0.001"},
        {-0.418, "-0.418"},
        {-7200.0, "-7200"},
        {-1e-7, "0"},
        {-0.0, "0"},
        {123456.789, "123456.789"},
        {1e22, "10000000000000000000000"},
    };
    for (const auto& r : rows)
        BOOST_TEST(text_of(json::value(r.in)) == r.out, r.in);
}

// The integer path for common magnitudes must give exactly the digits of
// the exact conversion (to_chars, fixed, 3 decimals, trimmed), ties included.
BOOST_AUTO_TEST_CASE(doubles_match_the_exact_fixed_conversion)
{
    auto exact = [](double v) {
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
        BOOST_REQUIRE(ec == std::errc{});
        std::string text(buf, end);
        while (text.back() == '0')
            text.pop_back();
        if (text.back() == '.')
            text.pop_back();
        return text == "-0" ? std::string("0") : text;
    };
    std::vector<double> values;
    for (int i = -20000; i <= 20000; ++i) {
        values.push_back(i / 7.0);
        values.push_back(i * 0.0005);  // ties and near-ties at the third decimal
        values.push_back(i * 0.001 + 0.0005);
        values.push_back(i * 12345.6789);
    }
    for (double v : {999999.9995, 999999.9994999, 1e6 - 1e-4, 1e6, 1e6 + 0.0005, 0.0015, 0.0025, 2.675})
        values.push_back(v);
    int mismatches = 0;
    for (double v : values)
        if (text_of(json::value(v)) != exact(v) && ++mismatches <= 5)
            BOOST_TEST(text_of(json::value(v)) == exact(v), v);
    BOOST_TEST(mismatches == 0);
}

BOOST_AUTO_TEST_CASE(no_number_is_written_in_exponent_notation)
{
    for (double v : {1e-7, 4.18064e-1, 7.2e3, 1e15, 1e21, -1e-7, -3.5e20, 1e-300, 6.02e23})
        BOOST_TEST(text_of(json::value(v)).find_first_of("eE") == std::string::npos, v);
}

BOOST_AUTO_TEST_CASE(non_finite_doubles_are_null)
{
    BOOST_TEST(text_of(json::value(std::numeric_limits<double>::infinity())) == "null");
    BOOST_TEST(text_of(json::value(-std::numeric_limits<double>::infinity())) == "null");
    BOOST_TEST(text_of(json::value(std::nan(""))) == "null");
}

BOOST_AUTO_TEST_CASE(bools_null_arrays_and_objects)
{
    BOOST_TEST(text_of(json::value(true)) == "true");
    BOOST_TEST(text_of(json::value(false)) == "false");
    BOOST_TEST(text_of(json::value(nullptr)) == "null");
    BOOST_TEST(text_of(json::array{1, 2.5, "x", nullptr}) == R"([1,2.5,"x",null])");
    BOOST_TEST(text_of(json::object{{"a", json::object{{"b", 0.1}}}, {"c", json::array{}}}) ==
               R"({"a":{"b":0.1},"c":[]})");
}

BOOST_AUTO_TEST_CASE(strings_escape_quotes_backslashes_and_control_characters)
{
    BOOST_TEST(text_of(json::value("plain")) == R"("plain")");
    BOOST_TEST(text_of(json::value("say \"hi\"")) == R"("say \"hi\"")");
    BOOST_TEST(text_of(json::value("a\\b")) == R"("a\\b")");
    BOOST_TEST(text_of(json::value("line\nbreak\r\ttab")) == R"("line\nbreak\r\ttab")");
    BOOST_TEST(text_of(json::value(std::string("nul\0bell\x07" "esc\x1b", 13))) == R"("nul\u0000bell\u0007esc\u001b")");
    BOOST_TEST(text_of(json::value("caf\xc3\xa9")) == "\"caf\xc3\xa9\"");
    // A long string goes through the escaper in pieces.
    std::string long_text(1000, 'x');
    long_text[500] = '"';
    auto out = text_of(json::value(long_text));
    BOOST_TEST(out.size() == long_text.size() + 3);
    BOOST_TEST(json::parse(out).as_string() == long_text);
}

BOOST_AUTO_TEST_CASE(keys_are_escaped_too)
{
    BOOST_TEST(text_of(json::object{{"a\"b\n", 1}}) == R"({"a\"b\n":1})");
}

BOOST_AUTO_TEST_CASE(a_line_starts_with_ts_level_and_event_and_keeps_field_order)
{
    std::string line;
    format_line(line, "2026-01-02T03:04:05.678Z", level::warn, "token_obtained",
                json::object{{"lifetime_s", 7200}, {"fetch_ms", 0.41806}, {"source", "client_credentials"}});
    BOOST_TEST(line == R"({"ts":"2026-01-02T03:04:05.678Z","level":"warn","event":"token_obtained",)"
                       R"("lifetime_s":7200,"fetch_ms":0.418,"source":"client_credentials"})");
    BOOST_TEST(json::parse(line).is_object());
}

BOOST_AUTO_TEST_CASE(fields_cannot_replace_ts_level_or_event)
{
    std::string line;
    format_line(line, "t", level::info, "access", json::object{{"event", "forged"}, {"level", "error"}, {"x", 1}});
    BOOST_TEST(line == R"({"ts":"t","level":"info","event":"access","x":1})");
}

BOOST_AUTO_TEST_CASE(write_honours_the_level_and_sends_one_line)
{
    level_guard restore;
    collected_lines seen;
    set_level(level::warn);
    info("dropped_event");
    debug("dropped_too");
    warn("kept_event", {{"duration_ms", 4.18064e-1}});
    error("also_kept");
    BOOST_TEST_REQUIRE(seen.lines.size() == 2u);
    auto first = json::parse(seen.lines[0]).as_object();
    BOOST_TEST(first.at("event").as_string() == "kept_event");
    BOOST_TEST(first.at("level").as_string() == "warn");
    BOOST_TEST(seen.lines[0].find("\"duration_ms\":0.418") != std::string::npos);
    BOOST_TEST(seen.lines[0].find('\n') == std::string::npos);
    // RFC 3339 UTC with milliseconds.
    auto ts = std::string(first.at("ts").as_string());
    BOOST_TEST(ts.size() == 24u);
    BOOST_TEST(ts.back() == 'Z');
    BOOST_TEST(ts[10] == 'T');

    set_level(level::debug);
    debug("now_kept");
    BOOST_TEST_REQUIRE(seen.lines.size() == 3u);
    BOOST_TEST(seen.lines[2].find("\"level\":\"debug\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(buffered_lines_wait_for_flush_and_keep_their_order)
{
    stderr_capture err;
    collected_lines seen;
    buffered_line(level::info, "access").add("n", 1u).commit();
    buffered_line(level::info, "access").add("n", 2u).commit();
    BOOST_TEST(err.writes().empty());
    // The observer sees a buffered line as it is taken.
    BOOST_TEST(seen.lines.size() == 2u);

    // An unbuffered line sends the buffered ones first, in one write.
    warn("upstream_failed");
    auto writes = err.writes();
    BOOST_TEST_REQUIRE(writes.size() == 2u);
    BOOST_TEST(count_lines(writes[0]) == 2u);
    BOOST_TEST(writes[0].find("\"n\":1") < writes[0].find("\"n\":2"));
    BOOST_TEST(writes[1].find("upstream_failed") != std::string::npos);

    buffered_line(level::info, "access").add("n", 3u).commit();
    flush();
    writes = err.writes();
    BOOST_TEST_REQUIRE(writes.size() == 1u);
    BOOST_TEST(json::parse(writes[0]).as_object().at("n").as_int64() == 3);
    flush();
    BOOST_TEST(err.writes().empty());
}

BOOST_AUTO_TEST_CASE(buffered_writes_hold_whole_lines_up_to_pipe_buf)
{
    stderr_capture err;
    const std::string path(150, 'p');
    for (int i = 0; i < 100; ++i)
        buffered_line(level::info, "access").add("n", static_cast<unsigned>(i)).add("path", path).commit();
    // A line longer than PIPE_BUF is written alone, after what was buffered.
    buffered_line(level::info, "access").add("n", 100u).add("path", std::string(PIPE_BUF, 'x')).commit();
    buffered_line(level::info, "access").add("n", 101u).commit();
    flush();
    std::size_t lines = 0;
    std::int64_t next = 0;
    for (const auto& w : err.writes()) {
        BOOST_TEST_CONTEXT("write of " << w.size() << " bytes")
        {
            BOOST_TEST(w.back() == '\n');
            if (count_lines(w) > 1)
                BOOST_TEST(w.size() <= std::size_t{PIPE_BUF});
        }
        std::size_t start = 0;
        while (start < w.size()) {
            auto end = w.find('\n', start);
            BOOST_TEST(json::parse(w.substr(start, end - start)).as_object().at("n").as_int64() == next++);
            start = end + 1;
            ++lines;
        }
    }
    BOOST_TEST(lines == 102u);
}

BOOST_AUTO_TEST_CASE(buffered_lines_honour_the_level)
{
    level_guard restore;
    stderr_capture err;
    set_level(level::warn);
    buffered_line(level::info, "access").add("n", 1u).commit();
    flush();
    BOOST_TEST(err.writes().empty());
}

BOOST_AUTO_TEST_CASE(buffered_lines_write_values_as_append_json_does)
{
    stderr_capture err;
    collected_lines seen;
    buffered_line(level::info, "access")
        .add("path", std::string_view("/a\"b\\c\n"))
        .add("status", 200u)
        .add("bytes", std::uint64_t{18446744073709551615u})
        .add("duration_ms", 0.41849)
        .add("retried", true)
        .add("kept", false)
        .commit();
    flush();
    BOOST_TEST_REQUIRE(seen.lines.size() == 1u);
    const auto& line = seen.lines[0];
    auto f = json::parse(line).as_object();
    BOOST_TEST(f.at("event").as_string() == "access");
    BOOST_TEST(f.at("level").as_string() == "info");
    BOOST_TEST(f.at("path").as_string() == "/a\"b\\c\n");
    BOOST_TEST(f.at("status").as_int64() == 200);
    BOOST_TEST(f.at("bytes").as_uint64() == 18446744073709551615u);
    BOOST_TEST(f.at("retried").as_bool());
    BOOST_TEST(!f.at("kept").as_bool());
    BOOST_TEST(line.find("\"duration_ms\":0.418,") != std::string::npos);
    BOOST_TEST(line.find('\n') == std::string::npos);
    auto writes = err.writes();
    BOOST_TEST_REQUIRE(writes.size() == 1u);
    BOOST_TEST(writes[0] == line + "\n");
}

// Nothing buffered, nothing armed: an idle proxy is not woken up ten times a
// second. run() returns at once only when no timer is pending.
BOOST_AUTO_TEST_CASE(an_idle_flush_timer_leaves_the_io_context_without_work)
{
    stderr_capture err;
    boost::asio::io_context ioc;
    log_flush_timer timer(ioc.get_executor(), std::chrono::milliseconds(5));
    timer.start();
    BOOST_TEST(ioc.run() == 0u);

    // A buffered line arms it once; flushed, it is idle again.
    buffered_line(level::info, "access").add("n", 1u).commit();
    buffered_line(level::info, "access").add("n", 2u).commit();
    ioc.restart();
    BOOST_TEST(ioc.run() == 1u);
    auto writes = err.writes();
    BOOST_TEST_REQUIRE(writes.size() == 1u);
    BOOST_TEST(count_lines(writes[0]) == 2u);
    timer.stop();
}

BOOST_AUTO_TEST_CASE(the_flush_timer_writes_buffered_lines_without_traffic)
{
    stderr_capture err;
    boost::asio::io_context ioc;
    log_flush_timer timer(ioc.get_executor(), std::chrono::milliseconds(5));
    timer.start();
    buffered_line(level::info, "access").add("n", 1u).commit();
    std::vector<std::string> writes;
    // Bounded: the timer fires within milliseconds; 5 s is the failure.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (writes.empty() && std::chrono::steady_clock::now() < deadline) {
        ioc.run_one_for(std::chrono::milliseconds(50));
        writes = err.writes();
    }
    BOOST_TEST_REQUIRE(writes.size() == 1u);
    BOOST_TEST(writes[0].find("\"n\":1") != std::string::npos);

    // stop() writes what is left at once.
    buffered_line(level::info, "access").add("n", 2u).commit();
    timer.stop();
    writes = err.writes();
    BOOST_TEST_REQUIRE(writes.size() == 1u);
    BOOST_TEST(writes[0].find("\"n\":2") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::log

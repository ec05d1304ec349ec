#include "proxy/core/log.hpp"

#include <boost/json/serializer.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <climits>
#include <cstring>
#include <ctime>

#include <unistd.h>

namespace litmus::log {

namespace json = boost::json;

namespace {

std::atomic<level> min_level{level::info};
std::atomic<line_observer*> observer{nullptr};

std::string_view level_name(level l)
{
    switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    }
    return "info";
}

// RFC 3339 UTC with milliseconds: what log pipelines parse without a format
// hint. Written into `buf`, which must hold 25 characters. The part up to
// the seconds is formatted once per second per thread (snprintf was a tenth
// of an access line's cost); the milliseconds are three digits.
std::string_view timestamp(char (&buf)[32])
{
    using namespace std::chrono;
    thread_local std::time_t cached_second = -1;
    thread_local char cached[64];  // "2026-11-27T22:33:52." (room for any int)
    auto now = system_clock::now();
    auto secs = system_clock::to_time_t(now);
    if (secs != cached_second) {
        std::tm tm{};
        gmtime_r(&secs, &tm);
        std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_second = secs;
    }
    const auto ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
    std::memcpy(buf, cached, 20);
    buf[20] = static_cast<char>('0' + ms / 100);
    buf[21] = static_cast<char>('0' + ms / 10 % 10);
    buf[22] = static_cast<char>('0' + ms % 10);
    buf[23] = 'Z';
    return {buf, 24};
}

// The bytes a string copied as it is may not hold: what JSON escapes (the
// quote, the backslash, controls) and what the serializer must check (DEL,
// and any non-ASCII byte, which must be valid UTF-8). A table: one load per
// byte instead of four comparisons.
constexpr std::array<bool, 256> needs_serializer = [] {
    std::array<bool, 256> t{};
    for (unsigned c = 0; c < 256; ++c)
        t[c] = c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
    return t;
}();

// Boost.JSON's own escaping (quotes, backslash, control characters as \uXXXX
// or their short forms), read out in pieces so that no string is built. The
// serializer is kept per thread: a string longer than `buf` makes it save
// its state on a stack it allocates once and then reuses.
void append_string(std::string& out, std::string_view s)
{
    // Most strings (keys, events, ids, paths) need no escaping: copied as
    // they are, at a tenth of the serializer's cost per string.
    const bool plain =
        std::none_of(s.begin(), s.end(), [](char c) { return needs_serializer[static_cast<unsigned char>(c)]; });
    if (plain) {
        out += '"';
        out += s;
        out += '"';
        return;
    }
    thread_local json::serializer sr;
    sr.reset(s);
    char buf[256];
    while (!sr.done())
        out.append(sr.read(buf));
}

template <class Int>
void append_integer(std::string& out, Int v)
{
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;  // 24 characters hold any 64-bit integer
    out.append(buf, end);
}

// Fixed notation with at most 3 decimals: a duration of 0.418 ms reads
// "0.418", a lifetime of 7200.0 s reads "7200". Boost.JSON would write
// "4.18E-1" and "7.2E3", which people misread and some pipelines parse as
// strings.
void append_double(std::string& out, double v)
{
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    // The common case (a duration, a lifetime) in integers: to_chars' exact
    // fixed-precision conversion was a fifth of an access line's cost. Only
    // where v * 1000 is clearly not near a rounding tie (a product below 1e9
    // is within 1.2e-7 of the exact one), so the digits are the same.
    if (const double scaled = v * 1000; std::fabs(scaled) < 1e9) {
        const double nearest = std::round(scaled);
        if (std::fabs(std::fabs(scaled - nearest) - 0.5) > 1e-6) {
            auto thousandths = static_cast<long long>(nearest);
            if (thousandths < 0) {
                out += '-';
                thousandths = -thousandths;
            }
            append_integer(out, thousandths / 1000);
            if (auto decimals = static_cast<int>(thousandths % 1000); decimals != 0) {
                char digits[4] = {'.', static_cast<char>('0' + decimals / 100),
                                  static_cast<char>('0' + decimals / 10 % 10), static_cast<char>('0' + decimals % 10)};
                std::size_t n = 4;
                while (digits[n - 1] == '0')
                    --n;
                out.append(digits, n);
            }
            return;
        }
    }
    // 309 integer digits (DBL_MAX), a sign, a point and 3 decimals.
    char buf[320];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
    if (ec != std::errc{}) {
        out += "null";
        return;
    }
    std::string_view text(buf, static_cast<std::size_t>(end - buf));
    while (text.back() == '0')
        text.remove_suffix(1);
    if (text.back() == '.')
        text.remove_suffix(1);
    // -0.0001 rounds to "-0.000": a negative zero reads as a mistake.
    if (text == "-0")
        text = "0";
    out += text;
}

// Each of `items` written by `write_item`, separated by commas.
template <class Range, class WriteItem>
void append_joined(std::string& out, const Range& items, WriteItem write_item)
{
    bool first = true;
    for (const auto& item : items) {
        if (!first)
            out += ',';
        first = false;
        write_item(item);
    }
}

}  // namespace

void set_level(level l) noexcept { min_level.store(l, std::memory_order_relaxed); }

bool enabled(level l) noexcept { return l >= min_level.load(std::memory_order_relaxed); }

void set_line_observer(line_observer* o) noexcept { observer.store(o, std::memory_order_release); }

void append_json(std::string& out, const json::value& v)
{
    switch (v.kind()) {
    case json::kind::null: out += "null"; return;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case json::kind::int64: append_integer(out, v.get_int64()); return;
    case json::kind::uint64: append_integer(out, v.get_uint64()); return;
    case json::kind::double_: append_double(out, v.get_double()); return;
    case json::kind::string: append_string(out, v.get_string()); return;
    case json::kind::array:
        out += '[';
        append_joined(out, v.get_array(), [&](const json::value& e) { append_json(out, e); });
        out += ']';
        return;
    case json::kind::object:
        out += '{';
        append_joined(out, v.get_object(), [&](const json::key_value_pair& f) {
            append_string(out, f.key());
            out += ':';
            append_json(out, f.value());
        });
        out += '}';
        return;
    }
}

namespace {

// A line up to its fields: `{"ts":...,"level":...,"event":...`. The
// timestamp and the level name need no escaping.
void append_line_start(std::string& out, std::string_view ts, level l, std::string_view event)
{
    out += "{\"ts\":\"";
    out += ts;
    out += "\",\"level\":\"";
    out += level_name(l);
    out += "\",\"event\":";
    append_string(out, event);
}

}  // namespace

void format_line(std::string& out, std::string_view ts, level l, std::string_view event,
                 const json::object& fields)
{
    append_line_start(out, ts, l, event);
    for (const auto& f : fields) {
        // A second "event" key would make readers disagree on the line's event.
        if (f.key() == "ts" || f.key() == "level" || f.key() == "event")
            continue;
        out += ',';
        append_string(out, f.key());
        out += ':';
        append_json(out, f.value());
    }
    out += '}';
}

namespace {

// All of `text` to stderr. Asio installs signal handlers without SA_RESTART:
// a SIGHUP while stderr is a full pipe must not cut the line.
void write_all(std::string_view text)
{
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

// Whole lines waiting for write_buffered's next write(2); written when the
// thread exits, so a thread's last lines are not lost.
struct line_buffer {
    std::string text;
    void flush()
    {
        write_all(text);
        text.clear();
    }
    ~line_buffer() { flush(); }
};

line_buffer& pending()
{
    thread_local line_buffer b;
    return b;
}

std::function<void()>& first_line_hook()
{
    thread_local std::function<void()> hook;
    return hook;
}

// The text of the line being formatted on this thread, whose capacity is
// reused from line to line.
std::string& line_text()
{
    thread_local std::string text;
    return text;
}

// The line for `fields`, with its newline, in the thread's line text.
std::string& formatted(level l, std::string_view event, const json::object& fields)
{
    auto& text = line_text();
    text.clear();
    char ts[32];
    format_line(text, timestamp(ts), l, event, fields);
    text += '\n';
    return text;
}

void observe(std::string_view line_with_newline)
{
    if (auto* o = observer.load(std::memory_order_acquire))
        o->on_line(line_with_newline.substr(0, line_with_newline.size() - 1));
}

}  // namespace

void write(level l, std::string_view event, const json::object& fields)
{
    if (!enabled(l))
        return;
    const std::string& text = formatted(l, event, fields);
    // Buffered lines first: this thread's lines stay in order.
    pending().flush();
    // One write(2) per line: stderr is unbuffered, and a short line written at
    // once is never torn by another thread's line.
    write_all(text);
    observe(text);
}

buffered_line::buffered_line(level l, std::string_view event) : text_(enabled(l) ? &line_text() : nullptr)
{
    if (!text_)
        return;
    text_->clear();
    char ts[32];
    append_line_start(*text_, timestamp(ts), l, event);
}

void buffered_line::key(std::string_view k)
{
    *text_ += ",\"";
    *text_ += k;
    *text_ += "\":";
}

buffered_line& buffered_line::add(std::string_view k, std::string_view value)
{
    if (text_) {
        key(k);
        append_string(*text_, value);
    }
    return *this;
}

buffered_line& buffered_line::add(std::string_view k, std::uint64_t value)
{
    if (text_) {
        key(k);
        append_integer(*text_, value);
    }
    return *this;
}

buffered_line& buffered_line::add(std::string_view k, double value)
{
    if (text_) {
        key(k);
        append_double(*text_, value);
    }
    return *this;
}

buffered_line& buffered_line::add(std::string_view k, bool value)
{
    if (text_) {
        key(k);
        *text_ += value ? "true" : "false";
    }
    return *this;
}

void buffered_line::commit()
{
    if (!text_)
        return;
    auto& text = *text_;
    text += "}\n";
    auto& buffer = pending();
    const bool was_empty = buffer.text.empty();
    // Up to PIPE_BUF bytes reach a pipe in one piece, never mixed with
    // another writer's; a longer line is written alone, as write() would.
    if (buffer.text.size() + text.size() > PIPE_BUF)
        buffer.flush();
    if (text.size() > PIPE_BUF)
        write_all(text);
    else
        buffer.text += text;
    observe(text);
    if (was_empty && !buffer.text.empty())
        if (auto& hook = first_line_hook())
            hook();
}

void on_first_buffered_line(std::function<void()> f) { first_line_hook() = std::move(f); }

void flush() { pending().flush(); }

}  // namespace litmus::log

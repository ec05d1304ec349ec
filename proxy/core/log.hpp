#pragma once
// Structured logs: one JSON object per line on stderr, which journald and the
// kubelet collect as they are. Never pass a secret or a token in `fields`.
//
// Numbers are written for people and for log pipelines alike: integers as
// integers, doubles as fixed decimals (at most 3 places, trailing zeros cut),
// never in exponent notation. Units go in the key: durations in milliseconds
// as `*_ms` (fixed decimals), lifetimes in whole seconds as `*_s` (integers).

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace litmus::log {

enum class level { debug, info, warn, error };

/// Lines below this level are dropped. Default info. Thread-safe.
void set_level(level l) noexcept;
bool enabled(level l) noexcept;

/// Writes {"ts":…,"level":…,"event":event, …fields} as one line with a single
/// write(2), so concurrent writers never interleave within a line. A field
/// named ts, level or event is left out (the line's own come first).
/// Thread-safe; allocates nothing once a thread has written a line.
void write(level l, std::string_view event, const boost::json::object& fields = {});

/// One line for the access log, built field by field straight into this
/// thread's line text and then buffered: building a json::object first cost
/// more than formatting the line (callgrind: 8.3k of 99.7k instructions per
/// request went to log_access, half of them the object). Values are written
/// as append_json writes them; keys are the caller's constants and are
/// written as they are.
///
/// The line goes into this thread's buffer, which is written with one
/// write(2) when the next line would take it past PIPE_BUF (so a write stays
/// atomic on a pipe), before any write() on this thread (lines keep their
/// order), at flush(), and when the thread exits. Use one at a time per
/// thread (it writes into the thread's line text). Thread-safe otherwise.
class buffered_line {
public:
    /// Starts the line with its "ts", "level" and "event". A line below the
    /// log level is built nowhere and dropped.
    buffered_line(level l, std::string_view event);
    buffered_line(const buffered_line&) = delete;
    buffered_line& operator=(const buffered_line&) = delete;

    buffered_line& add(std::string_view key, std::string_view value);
    buffered_line& add(std::string_view key, std::uint64_t value);
    buffered_line& add(std::string_view key, double value);
    buffered_line& add(std::string_view key, bool value);
    buffered_line& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    buffered_line& add(std::string_view key, unsigned value) { return add(key, std::uint64_t{value}); }

    /// Ends the line and queues it.
    void commit();

private:
    std::string* text_;  ///< the thread's line text; nullptr when the line is dropped
    void key(std::string_view k);
};

/// `f` runs on this thread whenever its buffer goes from empty to holding a
/// line: what a flush timer waits for, so that an idle proxy has no timer
/// to wake up for. Per thread; an empty function removes it.
void on_first_buffered_line(std::function<void()> f);

/// Writes this thread's buffered lines now. Called on a short timer by the
/// proxy (log_flush_timer) and at exit.
void flush();

inline void debug(std::string_view e, const boost::json::object& f = {}) { if (enabled(level::debug)) write(level::debug, e, f); }
inline void info(std::string_view e, const boost::json::object& f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, const boost::json::object& f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, const boost::json::object& f = {}) { write(level::error, e, f); }

/// Appends `v` as JSON text the way log lines write it: strings escaped as
/// JSON, integers as integers, doubles fixed with at most 3 decimals (trailing
/// zeros and a bare '.' removed; -0 written as 0; NaN and infinities, which
/// JSON cannot hold, as null), bools, null, and arrays and objects of these.
void append_json(std::string& out, const boost::json::value& v);

/// Appends one whole line, without the trailing newline, with `timestamp` as
/// its "ts". What write() sends; exposed for tests.
void format_line(std::string& out, std::string_view timestamp, level l, std::string_view event,
                 const boost::json::object& fields);

/// Tests only: sees every line write() sends (without its newline), on the
/// writing thread, after the line went to stderr; and every line a
/// buffered_line commits, once it is in the buffer.
class line_observer {
public:
    virtual ~line_observer() = default;
    virtual void on_line(std::string_view line) = 0;
};

/// Installs `o` (nullptr removes it). The observer must outlive every write()
/// that may see it: install it before the code under test starts logging and
/// remove it once that code has stopped.
void set_line_observer(line_observer* o) noexcept;

}  // namespace litmus::log

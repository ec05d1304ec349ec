#pragma once
// Structured logs: one JSON object per line on stderr, which journald and the
// kubelet collect as they are. Never pass a secret or a token in `fields`.

#include <boost/json/object.hpp>

#include <string_view>

namespace litmus::log {

enum class level { debug, info, warn, error };

/// Lines below this level are dropped. Default info. Set once at start-up.
void set_level(level l) noexcept;
bool enabled(level l) noexcept;

/// Writes {"ts":…,"level":…,"event":event, …fields} as one line with a single
/// write(2), so concurrent writers never interleave within a line.
void write(level l, std::string_view event, const boost::json::object& fields = {});

inline void debug(std::string_view e, const boost::json::object& f = {}) { if (enabled(level::debug)) write(level::debug, e, f); }
inline void info(std::string_view e, const boost::json::object& f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, const boost::json::object& f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, const boost::json::object& f = {}) { write(level::error, e, f); }

}  // namespace litmus::log

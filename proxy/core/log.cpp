#include "proxy/core/log.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include <unistd.h>

namespace litmus::log {

namespace {

std::atomic<level> min_level{level::info};

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

// RFC 3339 UTC with milliseconds: what log pipelines parse without a format hint.
std::string timestamp()
{
    using namespace std::chrono;
    auto now = system_clock::now();
    auto secs = system_clock::to_time_t(now);
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

}  // namespace

void set_level(level l) noexcept { min_level.store(l, std::memory_order_relaxed); }

bool enabled(level l) noexcept { return l >= min_level.load(std::memory_order_relaxed); }

void write(level l, std::string_view event, const boost::json::object& fields)
{
    if (!enabled(l))
        return;
    boost::json::object line;
    line.reserve(fields.size() + 3);
    line["ts"] = timestamp();
    line["level"] = level_name(l);
    line["event"] = event;
    for (const auto& f : fields)
        line[f.key()] = f.value();
    std::string text = boost::json::serialize(line);
    text += '\n';
    // One write(2) per line: stderr is unbuffered, and a short line written at
    // once is never torn by another thread's line.
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0)
            return;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace litmus::log

#include "tests/integration/log_capture_fixture.hpp"

namespace litmus::test {

namespace {

// The line's event, read without a full parse ("event" is always the third
// key, written by log::format_line).
bool has_event(std::string_view line, std::string_view event)
{
    constexpr std::string_view key = "\"event\":\"";
    auto at = line.find(key);
    return at != std::string_view::npos && line.substr(at + key.size()).starts_with(event) &&
           line.substr(at + key.size() + event.size()).starts_with("\"");
}

}  // namespace

log_capture::log_capture() { log::set_line_observer(this); }

log_capture::~log_capture() { log::set_line_observer(nullptr); }

void log_capture::on_line(std::string_view line)
{
    std::lock_guard lock(m_);
    lines_.emplace_back(line);
    cv_.notify_all();
}

std::vector<std::string> log_capture::lines() const
{
    std::lock_guard lock(m_);
    return lines_;
}

std::size_t log_capture::count_locked(std::string_view event) const
{
    std::size_t n = 0;
    for (const auto& l : lines_)
        n += has_event(l, event) ? 1 : 0;
    return n;
}

std::vector<json::object> log_capture::events(std::string_view event) const
{
    std::vector<json::object> out;
    for (const auto& l : lines())
        if (has_event(l, event))
            out.push_back(json::parse(l).as_object());
    return out;
}

std::vector<json::object> log_capture::wait_for(std::string_view event, std::size_t n,
                                                std::chrono::milliseconds timeout) const
{
    {
        std::unique_lock lock(m_);
        cv_.wait_for(lock, timeout, [&] { return count_locked(event) >= n; });
    }
    return events(event);
}

}  // namespace litmus::test

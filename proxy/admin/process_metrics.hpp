#pragma once
// The standard process_* metrics of Prometheus client libraries, read from
// /proc/self at scrape time: resident memory, CPU seconds, open and maximum
// file descriptors, start time. Process-wide, hence beside the registry.

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <optional>
#include <string_view>
#include <vector>

namespace litmus::admin {

/// The fields of /proc/<pid>/stat the metrics need, in clock ticks and pages.
struct proc_stat {
    unsigned long long utime_ticks = 0;
    unsigned long long stime_ticks = 0;
    unsigned long long start_ticks = 0;  ///< since boot
    long long rss_pages = 0;
};

/// Parses the text of /proc/<pid>/stat. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted from its last ')'.
std::optional<proc_stat> parse_proc_stat(std::string_view text) noexcept;

/// Thread-safe: every Collect() reads /proc afresh and keeps no state but
/// the start time, fixed at construction. A value that cannot be read (no
/// /proc) leaves its family out rather than reporting a false zero.
class process_metrics : public prometheus::Collectable {
public:
    process_metrics();
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    std::optional<double> start_time_seconds_;  // Unix time
};

}  // namespace litmus::admin

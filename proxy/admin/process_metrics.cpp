#include "proxy/admin/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

namespace litmus::admin {

namespace {

std::string read_file(const char* path)
{
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double clock_ticks_per_second()
{
    auto t = ::sysconf(_SC_CLK_TCK);
    return t > 0 ? static_cast<double>(t) : 100.0;
}

// Boot time in Unix seconds: the "btime" line of /proc/stat.
std::optional<double> boot_time_seconds()
{
    std::istringstream in(read_file("/proc/stat"));
    for (std::string key; in >> key;) {
        if (key == "btime") {
            double t = 0;
            if (in >> t)
                return t;
            return std::nullopt;
        }
        in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return std::nullopt;
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type, double value)
{
    prometheus::ClientMetric m;
    if (type == prometheus::MetricType::Counter)
        m.counter.value = value;
    else
        m.gauge.value = value;
    return {name, help, type, {m}};
}

}  // namespace

std::optional<proc_stat> parse_proc_stat(std::string_view text) noexcept
{
    auto close = text.rfind(')');
    if (close == std::string_view::npos)
        return std::nullopt;
    // Field 3 (state) is the first after the name; fields are 1-based.
    std::vector<std::string_view> fields;
    for (auto rest = text.substr(close + 1); !rest.empty();) {
        auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos)
            break;
        rest = rest.substr(start);
        auto end = std::min(rest.find_first_of(" \n"), rest.size());
        fields.push_back(rest.substr(0, end));
        rest = rest.substr(end);
    }
    auto field = [&](std::size_t n, auto& out) {
        if (n < 3 || n - 3 >= fields.size())
            return false;
        auto f = fields[n - 3];
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), out);
        return ec == std::errc{} && p == f.data() + f.size();
    };
    proc_stat s;
    if (!field(14, s.utime_ticks) || !field(15, s.stime_ticks) || !field(22, s.start_ticks) ||
        !field(24, s.rss_pages))
        return std::nullopt;
    return s;
}

process_metrics::process_metrics()
{
    auto boot = boot_time_seconds();
    auto stat = parse_proc_stat(read_file("/proc/self/stat"));
    if (boot && stat)
        start_time_seconds_ = *boot + static_cast<double>(stat->start_ticks) / clock_ticks_per_second();
}

std::vector<prometheus::MetricFamily> process_metrics::Collect() const
{
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out;
    if (auto s = parse_proc_stat(read_file("/proc/self/stat"))) {
        out.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                             MetricType::Counter,
                             static_cast<double>(s->utime_ticks + s->stime_ticks) / clock_ticks_per_second()));
        out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
                             static_cast<double>(s->rss_pages) * static_cast<double>(::sysconf(_SC_PAGESIZE))));
    }
    std::error_code ec;
    std::filesystem::directory_iterator fds("/proc/self/fd", ec);
    if (!ec) {
        // The iterator's own descriptor is among those counted, as in the
        // other client libraries.
        auto n = std::distance(fds, std::filesystem::directory_iterator{});
        out.push_back(family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                             static_cast<double>(n)));
    }
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0)
        out.push_back(family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
                             static_cast<double>(lim.rlim_cur)));
    if (start_time_seconds_)
        out.push_back(family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                             MetricType::Gauge, *start_time_seconds_));
    return out;
}

}  // namespace litmus::admin

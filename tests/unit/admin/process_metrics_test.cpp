// The process_* metrics read /proc/self/stat, whose second field is the
// command name in parentheses: it may itself hold spaces and ')' characters,
// so fields must be counted from the last ')'.

#include "proxy/admin/process_metrics.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>

namespace litmus::admin {

BOOST_AUTO_TEST_SUITE(process_metrics_test)

BOOST_AUTO_TEST_CASE(stat_fields_are_counted_from_the_last_parenthesis)
{
    // Fields 14/15 utime/stime, 22 starttime, 24 rss; the name holds ") (".
    const std::string stat =
        "4242 (litmus) (proxy x) S 1 4242 4242 0 -1 4194560 900 0 0 0 "
        "1234 567 0 0 20 0 3 0 98765 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    auto s = parse_proc_stat(stat);
    BOOST_TEST_REQUIRE(s.has_value());
    BOOST_TEST(s->utime_ticks == 1234u);
    BOOST_TEST(s->stime_ticks == 567u);
    BOOST_TEST(s->start_ticks == 98765u);
    BOOST_TEST(s->rss_pages == 2048);
}

BOOST_AUTO_TEST_CASE(truncated_or_garbled_stat_is_refused)
{
    BOOST_TEST(!parse_proc_stat("").has_value());
    BOOST_TEST(!parse_proc_stat("4242 (litmus S 1 2 3").has_value());
    BOOST_TEST(!parse_proc_stat("4242 (litmus) S 1 4242 4242 0 -1 4194560 900 0 0 0 12x4 567").has_value());
}

BOOST_AUTO_TEST_CASE(this_process_reports_every_family_with_plausible_values)
{
    std::map<std::string, double> v;
    for (const auto& f : process_metrics().Collect())
        v[f.name] = f.type == prometheus::MetricType::Counter ? f.metric.at(0).counter.value : f.metric.at(0).gauge.value;
    BOOST_TEST_REQUIRE(v.size() == 5u);
    BOOST_TEST(v.at("process_resident_memory_bytes") > 0.0);
    BOOST_TEST(v.at("process_cpu_seconds_total") >= 0.0);
    BOOST_TEST(v.at("process_open_fds") >= 3.0);  // stdin, stdout, stderr at least
    BOOST_TEST(v.at("process_max_fds") >= v.at("process_open_fds"));
    // A Unix time at or before now (not seconds since boot).
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    BOOST_TEST(v.at("process_start_time_seconds") <= now + 1.0);
    BOOST_TEST(v.at("process_start_time_seconds") > 1.0e9);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::admin

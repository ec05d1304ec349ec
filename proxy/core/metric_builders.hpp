#pragma once
// Short forms of prometheus-cpp's builders for the one-metric families every
// component declares, and the latency buckets they share. Registering a name
// again returns the family already there (Registry's default Merge), so two
// components may ask for the same family with different labels.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace litmus {

inline prometheus::Counter& add_counter(prometheus::Registry& r, const std::string& name, const std::string& help,
                                        const prometheus::Labels& labels = {})
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

inline prometheus::Gauge& add_gauge(prometheus::Registry& r, const std::string& name, const std::string& help,
                                    const prometheus::Labels& labels = {})
{
    return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add(labels);
}

/// Bucket bounds in seconds for request, upstream and token-endpoint times:
/// from half a millisecond (a local answer) to 30 s (a stalled upstream).
inline const prometheus::Histogram::BucketBoundaries& latency_buckets()
{
    static const prometheus::Histogram::BucketBoundaries b{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                           0.25,   0.5,   1,      2.5,   5,    10,   30};
    return b;
}

inline prometheus::Histogram& add_latency_histogram(prometheus::Registry& r, const std::string& name,
                                                    const std::string& help, const prometheus::Labels& labels = {})
{
    return prometheus::BuildHistogram().Name(name).Help(help).Register(r).Add(labels, latency_buckets());
}

}  // namespace litmus

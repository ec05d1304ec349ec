#pragma once
// The process's one Prometheus registry, which every component registers its
// own metrics in (token/, upstream/, forward/, downstream/ each declare
// theirs), plus the collectors whose values are computed at scrape time; and
// their text exposition for GET /metrics.

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

namespace litmus::admin {

/// Thread-safe for scraping (serialize) while metrics are updated: the
/// registry and its metrics lock or are atomic, and collectors promise the
/// same. add_collector() belongs to start-up, before the first scrape.
class metrics_registry {
public:
    prometheus::Registry& registry() noexcept { return registry_; }

    /// `c` is collected after the registry's families, in the order added.
    /// Its family names must not repeat the registry's.
    void add_collector(std::shared_ptr<const prometheus::Collectable> c);

    /// Every family in the Prometheus text format (version 0.0.4).
    std::string serialize() const;

private:
    prometheus::Registry registry_;
    std::vector<std::shared_ptr<const prometheus::Collectable>> collectors_;
};

}  // namespace litmus::admin

#pragma once
// Every key of the config file, in one table per section (config_schema.cpp):
// the loader reads the YAML tree through it, and the reference below is
// derived from it, so a key cannot exist without being known to both.

#include "proxy/config/config.hpp"
#include "proxy/config/config_fields.hpp"
#include "proxy/config/yaml_reader.hpp"

#include <vector>

namespace litmus::config {

/// Reads the root of the config file into `cfg`: each key checked against
/// the tables, each value parsed and range-checked. Relations between keys
/// (replay_limit <= body_limit, unique upstreams) are the loader's.
void read_config_tree(yaml_reader& r, const YAML::Node& root, proxy_config& cfg);

/// Every key in table order, sections flattened ("token.fetch_timeout"),
/// the keys of an upstreams entry as "upstreams[].name", with the defaults
/// of a config loaded from nothing. Thread-safe.
std::vector<reference_entry> config_reference();

}  // namespace litmus::config

#pragma once
// A fixed environment for load_config() in tests: a map instead of the
// process environment, so tests neither read nor change it.

#include "proxy/config/config_loader.hpp"

#include <map>
#include <string>

namespace litmus::config {

using env_map = std::map<std::string, std::string>;

inline env_lookup env_of(env_map vars)
{
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end())
            return std::nullopt;
        return it->second;
    };
}

}  // namespace litmus::config

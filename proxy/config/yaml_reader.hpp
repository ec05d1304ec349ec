#pragma once
// The mechanics of reading the config's YAML tree: positions in messages,
// mappings whose keys are checked against a known list (with a "did you
// mean"), scalars parsed by the config_values parsers, and where each value
// was written. What the keys are lives in config_schema; this file knows
// none of them.

#include "proxy/config/config_loader.hpp"
#include "proxy/config/config_values.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace litmus::config {

/// "file:line:column" for `mark` ("file" alone when the mark is null).
std::string position(std::string_view source, const YAML::Mark& mark);

/// "a single value", "a list", "a mapping" or "nothing", for messages.
std::string kind_of(const YAML::Node& node);

/// Not thread-safe: one per load.
class yaml_reader {
public:
    struct entry {
        YAML::Node key;
        YAML::Node value;
    };
    /// A mapping's entries by key name.
    using mapping = std::map<std::string, entry, std::less<>>;

    explicit yaml_reader(std::string source) : source_(std::move(source)) {}

    const std::string& source() const noexcept { return source_; }

    /// Throws config_error "<file:line:col>: <key>: <what>" (no key part when empty).
    [[noreturn]] void fail(const YAML::Mark& mark, std::string_view key, std::string_view what) const;

    /// The entries of `node`, a mapping whose keys must be in `known` and
    /// given once; `path` is the mapping's own key ("" at the top level).
    mapping open_mapping(const YAML::Node& node, const std::string& path, std::span<const std::string_view> known);

    /// The value of `name`, or nullptr when absent or empty ("name:" or "name: ~").
    static const YAML::Node* find(const mapping& m, std::string_view name);

    /// The text of a scalar, remembering where `key` was written. Other node
    /// kinds fail with "expected <expected>, got <kind>". The text itself is
    /// never put in a message here.
    std::string scalar(const YAML::Node& v, const std::string& key, std::string_view expected);

    /// scalar() parsed by `parse_fn`; its error message is the failure.
    template <class T>
    T parse(const YAML::Node& v, const std::string& key, value_result<T> (*parse_fn)(std::string_view),
            std::string_view expected)
    {
        auto text = scalar(v, key, expected);
        auto r = parse_fn(text);
        if (!r)
            fail(v.Mark(), key, r.error().message);
        return *r;
    }

    /// Where `key` was written; the null mark when it was not.
    YAML::Mark mark_of(const std::string& key) const;
    /// True when the file gave `key` a value.
    bool given(const std::string& key) const { return marks_.contains(key); }

private:
    std::string source_;
    std::map<std::string, YAML::Mark> marks_;  ///< where each scalar given in the file is
};

}  // namespace litmus::config

#include "proxy/config/yaml_reader.hpp"

#include <algorithm>
#include <vector>

namespace litmus::config {

namespace {

std::string join(std::span<const std::string_view> names)
{
    std::string out;
    for (auto n : names) {
        if (!out.empty())
            out += ", ";
        out += n;
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string position(std::string_view source, const YAML::Mark& mark)
{
    std::string out(source);
    if (!mark.is_null() && mark.line >= 0)
        out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    return out;
}

std::string kind_of(const YAML::Node& node)
{
    switch (node.Type()) {
    case YAML::NodeType::Scalar: return "a single value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
    }
}

void yaml_reader::fail(const YAML::Mark& mark, std::string_view key, std::string_view what) const
{
    std::string msg = position(source_, mark) + ": ";
    if (!key.empty())
        msg.append(key).append(": ");
    msg.append(what);
    throw config_error(msg);
}

yaml_reader::mapping yaml_reader::open_mapping(const YAML::Node& node, const std::string& path,
                                               std::span<const std::string_view> known)
{
    if (!node.IsMap())
        fail(node.Mark(), path, "expected a mapping of settings (key: value), got " + kind_of(node));
    mapping out;
    // Iteration yields (key, value) pairs by value: copies, not references,
    // as the iterator's proxy dies at the end of each expression.
    for (auto pair : node) {
        YAML::Node key = pair.first;
        if (!key.IsScalar())
            fail(key.Mark(), path, "setting names must be plain words, got " + kind_of(key));
        const std::string& name = key.Scalar();
        std::string full = path.empty() ? name : path + "." + name;
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            std::string msg = "unknown key " + quoted(full) + " (known keys: " + join(known) + ")";
            auto closest = std::min_element(known.begin(), known.end(), [&](auto a, auto b) {
                return edit_distance(name, a) < edit_distance(name, b);
            });
            if (closest != known.end() && edit_distance(name, *closest) <= 2)
                msg += "; did you mean " + quoted(*closest) + "?";
            fail(key.Mark(), "", msg);
        }
        auto [pos, inserted] = out.try_emplace(name, entry{key, pair.second});
        if (!inserted)
            fail(key.Mark(), full,
                 "given twice (first at line " + std::to_string(pos->second.key.Mark().line + 1) + ")");
    }
    return out;
}

const YAML::Node* yaml_reader::find(const mapping& m, std::string_view name)
{
    auto it = m.find(name);
    if (it == m.end() || it->second.value.IsNull())
        return nullptr;
    return &it->second.value;
}

std::string yaml_reader::scalar(const YAML::Node& v, const std::string& key, std::string_view expected)
{
    if (!v.IsScalar())
        fail(v.Mark(), key, "expected " + std::string(expected) + ", got " + kind_of(v));
    marks_[key] = v.Mark();
    return v.Scalar();
}

YAML::Mark yaml_reader::mark_of(const std::string& key) const
{
    auto it = marks_.find(key);
    return it == marks_.end() ? YAML::Mark::null_mark() : it->second;
}

}  // namespace litmus::config

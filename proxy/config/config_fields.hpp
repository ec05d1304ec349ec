#pragma once
// The building blocks of the config schema (config_schema.cpp): a field is
// one key of a mapping, with how its value is read into the struct, the
// range it must lie in, and how its default is shown in the reference.
// Nested sections and the upstreams list are fields too, so the known-key
// lists, the "unknown key" messages, the range checks and the reference all
// come from the one table.

#include "proxy/config/config.hpp"
#include "proxy/config/yaml_reader.hpp"

#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace litmus::config {

/// One documented key and its default as written in the config ("10s"; ""
/// when unset by default; nullopt when it is not a single value, such as the
/// default upstreams).
struct reference_entry {
    std::string key;
    std::optional<std::string> default_text;
};

template <class V>
struct range {
    V min;
    V max;
};

/// One key of a mapping whose settings land in a T.
template <class T>
struct field {
    std::string_view key;
    /// Reads `v` (present and not null), written under the full key `path`, into `target`.
    std::function<void(yaml_reader& r, const YAML::Node& v, const std::string& path, T& target)> read;
    /// Adds this key (and those under it) to the reference, with the
    /// defaults taken from `defaults`.
    std::function<void(const T& defaults, const std::string& path, std::vector<reference_entry>& out)> describe;
    /// Not empty: the key must be given; this explains why in the message.
    std::string_view required = {};
};

inline std::string show_value(const std::string& s) { return s; }
inline std::string show_value(bool b) { return b ? "true" : "false"; }
inline std::string show_value(duration d) { return format_duration(d); }
inline std::string show_value(const endpoint& e)
{
    bool v6 = e.host.find(':') != std::string::npos;
    return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}
inline std::string show_value(file_mode m) { return format_file_mode(m); }
inline std::string show_value(const std::optional<endpoint>& e) { return e ? show_value(*e) : ""; }
inline std::string show_value(log_level l)
{
    switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    }
    return "info";
}
inline std::string show_value(const std::vector<std::string>& list)
{
    std::string out = "[";
    for (const auto& s : list)
        out += (out.size() > 1 ? ", " : "") + s;
    return out + "]";
}
inline std::string show_number(double d)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
}

/// The describe function of a single value shown by `show`.
template <class T, class Show>
auto describe_value(Show show)
{
    return [show](const T& d, const std::string& path, std::vector<reference_entry>& out) {
        out.push_back({path, show(d)});
    };
}

/// Reads the mapping `node` (written under `path`, "" at the top level)
/// into `target`, field by field in table order; a key not in `fields` is
/// an error naming the known ones.
template <class T>
void read_mapping(yaml_reader& r, const YAML::Node& node, const std::string& path, std::span<const field<T>> fields,
                  T& target)
{
    std::vector<std::string_view> known;
    for (const auto& f : fields)
        known.push_back(f.key);
    auto m = r.open_mapping(node, path, known);
    for (const auto& f : fields) {
        auto key = path.empty() ? std::string(f.key) : path + "." + std::string(f.key);
        auto* v = yaml_reader::find(m, f.key);
        if (v)
            f.read(r, *v, key, target);
        else if (!f.required.empty())
            r.fail(node.Mark(), path, "missing key " + quoted(f.key) + " (" + std::string(f.required) + ")");
    }
}

/// A value parsed by `parse_fn` ("expected" names the form in messages).
template <class T, class M, class V>
field<T> value_field(std::string_view key, M T::* member, value_result<V> (*parse_fn)(std::string_view),
                     std::string_view expected)
{
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                t.*member = r.parse(v, path, parse_fn, expected);
            },
            describe_value<T>([=](const T& d) { return show_value(d.*member); })};
}

/// Text taken as written (a path); the text is never put in a message.
template <class T>
field<T> text_field(std::string_view key, std::string T::* member, std::string_view expected)
{
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                t.*member = r.scalar(v, path, expected);
            },
            describe_value<T>([=](const T& d) { return d.*member; })};
}

template <class T>
field<T> duration_field(std::string_view key, duration T::* member, range<duration> allowed)
{
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                auto d = r.parse(v, path, parse_duration, "a duration such as 10s");
                if (d < allowed.min || d > allowed.max)
                    r.fail(v.Mark(), path,
                           "must be from " + format_duration(allowed.min) + " to " + format_duration(allowed.max) +
                               ", got " + quoted(v.Scalar()));
                t.*member = d;
            },
            describe_value<T>([=](const T& d) { return format_duration(d.*member); })};
}

/// A whole number parsed by `parse_fn` and shown by `show`; `unit` follows
/// the range in the message (" bytes").
template <class T, class N>
field<T> integer_field(std::string_view key, N T::* member, range<std::uint64_t> allowed,
                       value_result<std::uint64_t> (*parse_fn)(std::string_view), std::string_view expected,
                       std::string (*show)(std::uint64_t), std::string_view unit)
{
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                auto n = r.parse(v, path, parse_fn, expected);
                if (n < allowed.min || n > allowed.max)
                    r.fail(v.Mark(), path,
                           "must be from " + show(allowed.min) + " to " + show(allowed.max) + std::string(unit) +
                               ", got " + quoted(v.Scalar()));
                t.*member = static_cast<N>(n);
            },
            describe_value<T>([=](const T& d) { return show(d.*member); })};
}

inline std::string show_count(std::uint64_t n) { return std::to_string(n); }

/// Bytes, written with or without a binary unit.
template <class T, class N>
field<T> size_field(std::string_view key, N T::* member, range<std::uint64_t> allowed)
{
    return integer_field(key, member, allowed, parse_size, "a size such as 64KiB", format_size, " bytes");
}

template <class T, class N>
field<T> count_field(std::string_view key, N T::* member, range<std::uint64_t> allowed)
{
    return integer_field(key, member, allowed, parse_count, "a whole number", show_count, "");
}

/// A number in [min, max], or in (min, max] when `min_exclusive`.
template <class T>
field<T> fraction_field(std::string_view key, double T::* member, range<double> allowed, bool min_exclusive)
{
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                auto d = r.parse(v, path, parse_fraction, "a number such as 0.2");
                bool low = min_exclusive ? d <= allowed.min : d < allowed.min;
                if (low || d > allowed.max)
                    r.fail(v.Mark(), path,
                           (min_exclusive ? "must be greater than " + show_number(allowed.min) + " and at most "
                                          : "must be from " + show_number(allowed.min) + " to ") +
                               show_number(allowed.max) + ", got " + quoted(v.Scalar()));
                t.*member = d;
            },
            describe_value<T>([=](const T& d) { return show_number(d.*member); })};
}

/// A list of scalars, each parsed by `parse_fn`; a single scalar is refused
/// rather than taken as a one-element list, so a typo'd YAML list is not
/// silently half-read.
template <class T>
field<T> list_field(std::string_view key, std::vector<std::string> T::* member,
                    value_result<std::string> (*parse_fn)(std::string_view), std::string_view expected)
{
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                if (!v.IsSequence())
                    r.fail(v.Mark(), path, "expected a list of " + std::string(expected) + ", got " + kind_of(v));
                auto& out = t.*member;
                out.clear();
                std::size_t index = 0;
                for (auto item : v)
                    out.push_back(r.parse(item, path + "[" + std::to_string(index++) + "]", parse_fn, expected));
            },
            describe_value<T>([=](const T& d) { return show_value(d.*member); })};
}

/// A nested mapping whose keys are `fields`, read into `target.*member`.
template <class T, class S, std::size_t N>
field<T> section_field(std::string_view key, S T::* member, const field<S> (&table)[N])
{
    std::span<const field<S>> fields(table);
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                read_mapping<S>(r, v, path, fields, t.*member);
            },
            [=](const T& d, const std::string& path, std::vector<reference_entry>& out) {
                for (const auto& f : fields)
                    f.describe(d.*member, path + "." + std::string(f.key), out);
            }};
}

/// An optional nested mapping: present (even empty, `key: {}`) turns
/// `target.*member` on with its defaults, then its `fields` are read.
template <class T, class S, std::size_t N>
field<T> optional_section_field(std::string_view key, std::optional<S> T::* member, const field<S> (&table)[N])
{
    std::span<const field<S>> fields(table);
    return {key,
            [=](yaml_reader& r, const YAML::Node& v, const std::string& path, T& t) {
                read_mapping<S>(r, v, path, fields, (t.*member).emplace());
            },
            [=](const T&, const std::string& path, std::vector<reference_entry>& out) {
                out.push_back({path, std::nullopt});  // the section itself: present or not
                const S defaults;
                for (const auto& f : fields)
                    f.describe(defaults, path + "." + std::string(f.key), out);
            }};
}

}  // namespace litmus::config

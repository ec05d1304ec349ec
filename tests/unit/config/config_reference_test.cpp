// The reference derived from the config schema against what users read: the
// README's "## Configuration" table and config/litmus-proxy.example.yaml must
// document exactly the keys the loader knows, with the same defaults.

#include "proxy/config/config_schema.hpp"
#include "proxy/config/config_values.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace litmus::config {

namespace {

std::filesystem::path repo_root()
{
    // tests/unit/config/<this file> -> the repository root.
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

std::vector<std::string> lines_of(const std::filesystem::path& p)
{
    std::ifstream in(p);
    BOOST_TEST_REQUIRE(in.good(), p);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::vector<std::string> backticked(const std::string& text)
{
    std::vector<std::string> out;
    static const std::regex code("`([^`]*)`");
    for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it)
        out.push_back((*it)[1]);
    return out;
}

std::vector<std::string> cells(const std::string& row)
{
    std::vector<std::string> out;
    std::stringstream in(row);
    std::string cell;
    std::getline(in, cell, '|');  // before the first '|'
    while (std::getline(in, cell, '|'))
        out.push_back(cell);
    return out;
}

/// The keys of the table in README's "## Configuration" with the defaults
/// its second column gives them ("—" = none), and the upstreams row's text.
struct readme_table {
    std::map<std::string, std::string> defaults;
    std::string upstreams_meaning;
};

readme_table read_readme()
{
    readme_table t;
    bool in_section = false;
    for (const auto& line : lines_of(repo_root() / "README.md")) {
        if (line.starts_with("## "))
            in_section = line == "## Configuration";
        if (!in_section || !line.starts_with("| `"))
            continue;
        auto c = cells(line);
        if (c.size() < 3)
            continue;
        auto keys = backticked(c[0]);
        auto values = backticked(c[1]);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i].starts_with("LITMUS_"))
                break;  // the environment table
            t.defaults[keys[i]] = values.empty() ? "" : values.size() == keys.size() ? values[i] : values[0];
        }
        if (!keys.empty() && keys[0] == "upstreams")
            t.upstreams_meaning = c[2];
    }
    return t;
}

/// The keys config/litmus-proxy.example.yaml writes out, set or commented
/// out ("  # connect: ..."), flattened as the reference names them.
std::set<std::string> read_example_keys()
{
    std::set<std::string> keys;
    static const std::regex top(R"(^([a-z_]+):.*)");
    static const std::regex nested(R"(^  (?:# )?([a-z_]+):.*)");
    static const std::regex entry(R"(^  (?:- |  )(?:# )?([a-z_]+):.*)");
    std::string section;
    std::smatch m;
    for (const auto& line : lines_of(repo_root() / "config" / "litmus-proxy.example.yaml")) {
        if (std::regex_match(line, m, top)) {
            section = m[1];
            keys.insert(section);
        } else if (section == "upstreams" && std::regex_match(line, m, entry)) {
            keys.insert("upstreams[]." + m[1].str());
        } else if (!section.empty() && section != "upstreams" && std::regex_match(line, m, nested)) {
            keys.insert(section + "." + m[1].str());
        }
    }
    return keys;
}

// Equal as written, or the same duration written in another unit ("60s", "1m").
bool same_default(const std::string& documented, const std::string& derived)
{
    if (documented == derived)
        return true;
    auto a = parse_duration(documented);
    auto b = parse_duration(derived);
    return a && b && *a == *b;
}

bool is_section(const std::string& key, const std::vector<reference_entry>& ref)
{
    return std::any_of(ref.begin(), ref.end(), [&](const auto& e) { return e.key.starts_with(key + "."); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_reference_test)

BOOST_AUTO_TEST_CASE(the_reference_lists_every_section_key_with_its_default)
{
    auto ref = config_reference();
    // "<none>": no single default value (the upstreams list).
    std::map<std::string, std::string> by_key;
    for (const auto& e : ref)
        BOOST_TEST(by_key.emplace(e.key, e.default_text.value_or("<none>")).second, "listed once: " << e.key);
    BOOST_TEST(by_key["listen"] == "127.0.0.1:8080");
    BOOST_TEST(by_key["token.fetch_timeout"] == "10s");
    BOOST_TEST(by_key["downstream.body_limit"] == "64MiB");
    BOOST_TEST(by_key["token.refresh_before"] == "0.2");
    BOOST_TEST(by_key["upstream.max_idle"] == "64");
    BOOST_TEST(by_key["log.access"] == "true");
    BOOST_TEST(by_key["credentials.watch_interval"] == "1s");
    BOOST_TEST(by_key["credentials.client_secret_file"] == "");
    BOOST_TEST(by_key.count("upstreams[].prefix") == 1u);
    BOOST_TEST(by_key["upstreams"] == "<none>");
}

BOOST_AUTO_TEST_CASE(readme_configuration_table_documents_exactly_the_known_keys)
{
    auto ref = config_reference();
    auto readme = read_readme();
    BOOST_TEST_REQUIRE(!readme.defaults.empty(), "README has a table under ## Configuration");
    std::set<std::string> known;
    for (const auto& e : ref) {
        BOOST_TEST_CONTEXT(e.key)
        {
            if (e.key.starts_with("upstreams[].")) {
                auto name = e.key.substr(std::string("upstreams[].").size());
                BOOST_TEST(readme.upstreams_meaning.find(name) != std::string::npos,
                           "the upstreams row names the entry key " << name);
                continue;
            }
            known.insert(e.key);
            auto it = readme.defaults.find(e.key);
            BOOST_TEST_REQUIRE((it != readme.defaults.end()), "README documents " << e.key);
            if (e.default_text)
                BOOST_TEST(same_default(it->second, *e.default_text),
                           "README's default of " << e.key << ": " << it->second << ", loader: " << *e.default_text);
        }
    }
    for (const auto& [key, value] : readme.defaults)
        BOOST_TEST(known.contains(key), "README documents a key the loader does not know: " << key);
}

BOOST_AUTO_TEST_CASE(example_config_writes_out_exactly_the_known_keys)
{
    auto ref = config_reference();
    auto example = read_example_keys();
    std::set<std::string> known;
    for (const auto& e : ref) {
        known.insert(e.key);
        BOOST_TEST(example.contains(e.key), "the example config writes out " << e.key);
    }
    for (const auto& key : example)
        BOOST_TEST((known.contains(key) || is_section(key, ref)),
                   "the example config has a key the loader does not know: " << key);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::config

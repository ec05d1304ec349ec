#include "tests/integration/binary_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <regex>

namespace litmus::test {

process_options clean_env(std::vector<std::pair<std::string, std::string>> env)
{
    process_options o;
    o.inherit_env = false;
    o.env = std::move(env);
    o.env.emplace_back("PATH", "/usr/bin:/bin");
    // Without --config the binary reads /etc/litmus-proxy/config.yaml when the
    // machine has one: point that default at a file that never exists.
    const bool names_a_config = std::any_of(o.env.begin(), o.env.end(),
                                            [](const auto& kv) { return kv.first == "LITMUS_PROXY_CONFIG"; });
    if (!names_a_config)
        o.env.emplace_back("LITMUS_PROXY_CONFIG", "/nonexistent/litmus-proxy-test/config.yaml");
    return o;
}

exit_result run_to_exit(const std::vector<std::string>& args, const process_options& opts)
{
    child_process p(LITMUS_PROXY_BINARY, args, opts);
    exit_result r;
    BOOST_TEST_REQUIRE(p.wait_for_exit(std::chrono::seconds(10), r.code));
    r.output = p.output();
    return r;
}

std::uint16_t wait_listening(child_process& p)
{
    BOOST_TEST_REQUIRE(p.wait_for_output("\"event\":\"listening\"", std::chrono::seconds(10)), p.output());
    std::smatch m;
    auto out = p.output();
    BOOST_TEST_REQUIRE(std::regex_search(out, m, std::regex(R"("event":"listening"[^\n]*"port":(\d+))")));
    return static_cast<std::uint16_t>(std::stoi(m[1]));
}

std::size_t occurrences(const std::string& text, std::string_view needle)
{
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size()))
        ++n;
    return n;
}

}  // namespace litmus::test

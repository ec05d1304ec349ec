// The users section is read and checked, but its endpoints are not served
// yet: a proxy configured with it says so at start instead of staying silent.

#include "tests/integration/log_capture_fixture.hpp"
#include "tests/integration/proxy_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

namespace litmus::test {

BOOST_AUTO_TEST_SUITE(users_not_served_test)

BOOST_AUTO_TEST_CASE(a_users_section_is_announced_as_not_served)
{
    log_capture logs;
    fake::fake_litmus fake;
    temp_dir dir;
    // 32 bytes, base64: a valid key, so the section passes its checks.
    auto key = dir.write_file("users.key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
    running_proxy proxy(yaml_for(fake, "", "users:\n  key_file: " + key + "\n  store: sqlite:" +
                                               dir.file("users.db") + "\n"));
    BOOST_TEST(logs.wait_for("users_not_served", 1).size() == 1u);
}

BOOST_AUTO_TEST_CASE(no_users_section_no_announcement)
{
    log_capture logs;
    fake::fake_litmus fake;
    running_proxy proxy(yaml_for(fake, "", ""));
    // The proxy has started (its token is held) before the check.
    BOOST_TEST(logs.wait_for("token_obtained", 1).size() == 1u);
    BOOST_TEST(logs.events("users_not_served").empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::test

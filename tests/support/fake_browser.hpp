#pragma once
// The browser's part of the authorization-code flow, for tests: open a Litmus
// authorize URL on the fake Litmus as a chosen end user and read where the
// fake sends the browser back. The redirect itself is not followed: what the
// app's callback does with it is the test's business.

#include "tests/support/fake_litmus.hpp"
#include "tests/support/test_https_client.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace litmus::test {

struct authorize_redirect {
    https_response response;  ///< the fake's answer: 302, or 400 with an OAuth error body
    std::string location;     ///< the Location header; "" when not redirected
    /// Query parameters of `location`, decoded; nullopt when absent.
    std::optional<std::string> code;
    std::optional<std::string> state;
    std::optional<std::string> error;
};

/// GETs `authorize_url` (an absolute https URL such as
/// "https://litmus.com/oauth/authorize?response_type=code&…", as handed to an
/// app) from the fake on 127.0.0.1:fake.port(), with the URL's host as Host
/// header and TLS name, adding `login_as=<login>` when `login` is not empty.
/// Throws std::invalid_argument when `authorize_url` is not an absolute URL.
/// Blocking, bounded by https_options' default timeout; thread-safe.
authorize_redirect open_authorize_url(const fake::fake_litmus& fake, std::string_view authorize_url,
                                      std::string_view login = {});

}  // namespace litmus::test

#include "tests/support/fake_browser.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <stdexcept>

namespace litmus::test {

authorize_redirect open_authorize_url(const fake::fake_litmus& fake, std::string_view authorize_url,
                                      std::string_view login)
{
    auto parsed = boost::urls::parse_absolute_uri(authorize_url);
    if (!parsed)
        throw std::invalid_argument("not an absolute URL: " + std::string(authorize_url));
    boost::urls::url url(*parsed);
    if (!login.empty())
        url.params().append({"login_as", login});

    authorize_redirect out;
    out.response = https_request(fake.port(), fake.ca_file(), std::string(url.host()), "GET",
                                 std::string(url.encoded_target()));
    out.location = out.response.header("location");
    if (out.location.empty())
        return out;
    auto location = boost::urls::parse_uri_reference(out.location);
    if (!location)
        return out;
    for (auto p : location->params()) {
        if (p.key == "code")
            out.code = p.value;
        else if (p.key == "state")
            out.state = p.value;
        else if (p.key == "error")
            out.error = p.value;
    }
    return out;
}

}  // namespace litmus::test

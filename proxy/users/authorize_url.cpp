#include "proxy/users/authorize_url.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

namespace litmus::users {

namespace {

// Boost.URL's decoded params() leave '+' (and other characters RFC 3986
// allows in a query) as they are, but form decoders on the other side read
// '+' as a space: encode everything but the unreserved characters.
void set_param(boost::urls::url& url, std::string_view key, std::string_view value)
{
    auto encoded = boost::urls::encode(value, boost::urls::unreserved_chars);
    url.encoded_params().set(key, encoded);
}

}  // namespace

boost::system::result<std::string> make_authorize_url(std::string_view authorize_url, std::string_view client_id,
                                                      std::string_view redirect_uri, std::string_view state)
{
    auto parsed = boost::urls::parse_absolute_uri(authorize_url);
    if (!parsed)
        return parsed.error();
    boost::urls::url url(*parsed);
    set_param(url, "response_type", "code");
    set_param(url, "client_id", client_id);
    if (!redirect_uri.empty())
        set_param(url, "redirect_uri", redirect_uri);
    set_param(url, "state", state);
    set_param(url, "scope", "full");
    return std::string(url.buffer());
}

}  // namespace litmus::users

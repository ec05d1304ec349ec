#include "proxy/users/litmus_user_header.hpp"

#include "proxy/users/user_key.hpp"

#include <boost/container/small_vector.hpp>

namespace litmus::users {

boost::system::result<std::optional<std::string>, api_error> parse_litmus_user(
    std::span<const std::string_view> values)
{
    if (values.empty())
        return std::optional<std::string>{};
    if (values.size() > 1)
        return api_errors::invalid_litmus_user("Litmus-User must appear once");
    if (values.front().empty())
        return api_errors::invalid_litmus_user("Litmus-User is empty");
    if (!is_valid_user_key(values.front()))
        return api_errors::invalid_litmus_user("Litmus-User must be 1-128 characters of [A-Za-z0-9._@-]");
    return std::optional<std::string>{std::string(values.front())};
}

boost::system::result<std::optional<std::string>, api_error> parse_litmus_user(
    const boost::beast::http::fields& fields)
{
    // Inline: a request names its user once, so this never allocates for one
    // that is well formed; every request passes here.
    boost::container::small_vector<std::string_view, 2> values;
    auto [first, last] = fields.equal_range(litmus_user_header);
    for (auto it = first; it != last; ++it)
        values.emplace_back(it->value().data(), it->value().size());
    return parse_litmus_user(std::span<const std::string_view>(values.data(), values.size()));
}

}  // namespace litmus::users

#include "tests/support/fake_types.hpp"

#include <boost/algorithm/string/predicate.hpp>

namespace litmus::fake {

std::string recorded_request::header(std::string_view name) const
{
    for (const auto& [n, v] : headers)
        if (boost::algorithm::iequals(n, name))
            return v;
    return {};
}

bool recorded_request::has_header(std::string_view name) const
{
    for (const auto& h : headers)
        if (boost::algorithm::iequals(h.first, name))
            return true;
    return false;
}

std::string recorded_request::bearer_token() const
{
    std::string value = header("authorization");
    constexpr std::string_view scheme = "bearer ";
    if (value.size() <= scheme.size() ||
        !boost::algorithm::iequals(std::string_view(value).substr(0, scheme.size()), scheme))
        return {};
    std::string_view token = std::string_view(value).substr(scheme.size());
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ')
        token.remove_suffix(1);
    return std::string(token);
}

std::string recorded_request::path() const { return target.substr(0, target.find('?')); }

}  // namespace litmus::fake

#include "proxy/users/json_body.hpp"

#include <boost/json/parse.hpp>

namespace litmus::users {

boost::system::result<boost::json::object, api_error> parse_json_object(std::string_view body)
{
    if (body.size() > max_request_body)
        return api_errors::invalid_request("body over " + std::to_string(max_request_body) + " bytes");
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec)
        return api_errors::invalid_request("body is not JSON: " + ec.message());
    if (!value.is_object())
        return api_errors::invalid_request("body must be a JSON object");
    return std::move(value.as_object());
}

boost::system::result<std::optional<std::string>, api_error> optional_string_field(const boost::json::object& o,
                                                                                   std::string_view name,
                                                                                   std::size_t max_size)
{
    const auto* v = o.if_contains(name);
    if (!v || v->is_null())
        return std::optional<std::string>{};
    if (!v->is_string())
        return api_errors::invalid_request(std::string(name) + " must be a string");
    const auto& s = v->get_string();
    if (s.empty())
        return api_errors::invalid_request(std::string(name) + " must not be empty");
    if (s.size() > max_size)
        return api_errors::invalid_request(std::string(name) + " is longer than " + std::to_string(max_size) +
                                           " bytes");
    return std::optional<std::string>{std::string(s)};
}

boost::system::result<std::string, api_error> required_string_field(const boost::json::object& o,
                                                                    std::string_view name, std::size_t max_size)
{
    auto field = optional_string_field(o, name, max_size);
    if (!field)
        return field.error();
    if (!*field)
        return api_errors::invalid_request(std::string(name) + " is required");
    return std::move(**field);
}

}  // namespace litmus::users

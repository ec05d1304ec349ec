#include "proxy/core/error.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <string>

namespace litmus {

namespace {

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "litmus_proxy"; }
    std::string message(int ev) const override
    {
        return std::string(name_of(static_cast<errc>(ev)));
    }
};

}  // namespace

const boost::system::error_category& proxy_category() noexcept
{
    static const category instance;
    return instance;
}

void throw_exception_from_error(errc e, const boost::source_location& loc)
{
    boost::throw_exception(boost::system::system_error(make_error_code(e)), loc);
}

error_source source_of(errc e) noexcept
{
    switch (e) {
    case errc::bad_request:
    case errc::header_too_large:
    case errc::body_too_large:
    case errc::method_not_allowed:
    case errc::route_not_found:
    case errc::misdirected_request:
    case errc::invalid_host:
    case errc::host_not_allowed:
    case errc::origin_not_allowed:
    case errc::method_not_implemented:
    case errc::target_too_long:
    case errc::version_not_supported: return error_source::downstream;
    case errc::upstream_connect_failed:
    case errc::upstream_connect_timeout:
    case errc::upstream_tls_handshake:
    case errc::upstream_reset_before_response:
    case errc::upstream_response_timeout:
    case errc::upstream_bad_response:
    case errc::upstream_write_timeout:
    case errc::upstream_unredactable_response: return error_source::upstream;
    case errc::token_unavailable:
    case errc::token_rejected:
    case errc::token_endpoint_failed:
    case errc::token_bad_response:
    case errc::refresh_refused: return error_source::token;
    case errc::invalid_litmus_user:
    case errc::user_not_connected:
    case errc::reauthorization_required: return error_source::downstream;
    case errc::store_unavailable: return error_source::internal;
    case errc::shutting_down: return error_source::internal;
    }
    return error_source::internal;
}

std::string_view name_of(errc e) noexcept
{
    switch (e) {
    case errc::bad_request: return "bad_request";
    case errc::header_too_large: return "header_too_large";
    case errc::body_too_large: return "body_too_large";
    case errc::method_not_allowed: return "method_not_allowed";
    case errc::route_not_found: return "route_not_found";
    case errc::misdirected_request: return "misdirected_request";
    case errc::invalid_host: return "invalid_host";
    case errc::host_not_allowed: return "host_not_allowed";
    case errc::origin_not_allowed: return "origin_not_allowed";
    case errc::method_not_implemented: return "method_not_implemented";
    case errc::target_too_long: return "target_too_long";
    case errc::version_not_supported: return "version_not_supported";
    case errc::upstream_connect_failed: return "upstream_connect_failed";
    case errc::upstream_connect_timeout: return "upstream_connect_timeout";
    case errc::upstream_tls_handshake: return "upstream_tls_handshake";
    case errc::upstream_reset_before_response: return "upstream_reset_before_response";
    case errc::upstream_response_timeout: return "upstream_response_timeout";
    case errc::upstream_bad_response: return "upstream_bad_response";
    case errc::upstream_write_timeout: return "upstream_write_timeout";
    case errc::upstream_unredactable_response: return "upstream_unredactable_response";
    case errc::token_unavailable: return "token_unavailable";
    case errc::token_rejected: return "token_rejected";
    case errc::token_endpoint_failed: return "token_endpoint_failed";
    case errc::token_bad_response: return "token_bad_response";
    case errc::refresh_refused: return "refresh_refused";
    case errc::invalid_litmus_user: return "invalid_litmus_user";
    case errc::user_not_connected: return "user_not_connected";
    case errc::reauthorization_required: return "reauthorization_required";
    case errc::store_unavailable: return "store_unavailable";
    case errc::shutting_down: return "shutting_down";
    }
    return "internal_error";
}

unsigned http_status_of(errc e) noexcept
{
    switch (e) {
    case errc::bad_request:
    case errc::invalid_litmus_user:
    case errc::invalid_host: return 400;
    case errc::user_not_connected:
    case errc::reauthorization_required: return 401;
    case errc::origin_not_allowed: return 403;
    case errc::target_too_long: return 414;
    case errc::host_not_allowed: return 421;
    case errc::method_not_implemented: return 501;
    case errc::version_not_supported: return 505;
    case errc::header_too_large: return 431;
    case errc::body_too_large: return 413;
    case errc::method_not_allowed: return 405;
    case errc::route_not_found: return 404;
    case errc::misdirected_request: return 421;
    case errc::upstream_connect_timeout:
    case errc::upstream_response_timeout:
    case errc::upstream_write_timeout: return 504;
    case errc::upstream_connect_failed:
    case errc::upstream_tls_handshake:
    case errc::upstream_reset_before_response:
    case errc::upstream_bad_response:
    case errc::upstream_unredactable_response: return 502;
    case errc::token_unavailable:
    case errc::token_rejected:
    case errc::token_endpoint_failed:
    case errc::token_bad_response:
    case errc::refresh_refused:
    case errc::store_unavailable:
    case errc::shutting_down: return 503;
    }
    return 500;
}

}  // namespace litmus

// libFuzzer harness: a token endpoint answer -> token::parse_token_response().
// A success must carry a token that is safe after "Bearer " in a header and a
// lifetime the refresh schedule can use; a failure's reason must be safe to
// log. A broken invariant traps, so libFuzzer saves the input.
//
// Input: byte 0 chooses the grant kind and the token config (defaults, or a
// short default and maximum lifetime), byte 1 the HTTP status (mostly 200,
// else one of the statuses the endpoint is known to send, else any of
// 100..599); the rest is the response body.

#include "proxy/token/token_response.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace litmus;
using namespace std::chrono_literals;

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

unsigned status_of(std::uint8_t b)
{
    static constexpr unsigned known[] = {200, 201, 204, 301, 302, 400, 401, 403, 404, 429, 500, 502, 503, 504};
    if (b < 128)
        return 200;
    if (b < 128 + std::size(known))
        return known[b - 128];
    return 100 + (b * 7u) % 500u;
}

bool printable(std::string_view s)
{
    for (char c : s)
        if (c < 0x20 || c > 0x7e)
            return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    const auto kind = static_cast<token::grant_kind>(data[0] % 3);
    const unsigned status = status_of(data[1]);
    config::token_config cfg;
    if (data[0] & 0x80) {
        // The smallest lifetimes the config accepts.
        cfg.default_lifetime = 10s;
        cfg.max_lifetime = 60s;
    }
    std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

    auto result = token::parse_token_response(kind, status, body, cfg);
    if (const auto* ok = std::get_if<token::token_response>(&result)) {
        check(status >= 200 && status <= 299);
        check(token::is_token68(ok->access_token));
        check(ok->lifetime >= 1s);
        check(ok->lifetime <= cfg.max_lifetime);
        check(!ok->lifetime_defaulted || ok->lifetime == cfg.default_lifetime);
        check(!ok->lifetime_capped || ok->lifetime == cfg.max_lifetime);
        check(!ok->refresh_token || token::is_token68(*ok->refresh_token));
    } else {
        const auto& failure = std::get<token::token_failure>(result);
        check(failure.status == status);
        check(printable(failure.reason));
        check(failure.reason.size() <= 500);
        if (status == 400 || status == 401)
            check(failure.code == (kind == token::grant_kind::refresh_token ? errc::refresh_refused
                                                                            : errc::token_rejected));
        else if (status < 200 || status > 299)
            check(failure.code == errc::token_endpoint_failed);
        else
            check(failure.code == errc::token_bad_response);
    }
    return 0;
}

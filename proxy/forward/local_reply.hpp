#pragma once
// Responses the proxy produces itself: always JSON {"error", "message"}, with
// a `Litmus-Proxy-Error` header so a client (and a test) can tell them from
// anything Litmus said.

#include "proxy/core/error.hpp"
#include "proxy/core/net.hpp"

#include <optional>

namespace litmus::forward {

/// `retry_after_s` > 0 adds Retry-After. `message` must hold no secret.
/// `user`, when not empty, is the user key the answer is about (a
/// `"user"` field, so that an app can tell which of its users to send
/// through the authorization again).
http::response<http::string_body> make_local_reply(errc e, std::string_view message, unsigned version,
                                                   bool keep_alive, unsigned retry_after_s = 0,
                                                   std::string_view user = {});

/// A JSON answer of the proxy's own endpoints (/_litmus/): `body` as is (""
/// for none, as a 204 has), no-store, and the keep-alive decision.
http::response<http::string_body> make_json_reply(unsigned status, std::string body, unsigned version,
                                                  bool keep_alive);

/// The reply a failure to read the client's request deserves; nullopt when
/// there is nobody to answer (the client left or went quiet). Anything the
/// HTTP parser refused is malformed input (400), except the limits (431,
/// 413).
std::optional<errc> reply_for_read_error(const error_code& ec);

/// The default human-readable explanation of each error.
std::string_view default_message(errc e) noexcept;

}  // namespace litmus::forward

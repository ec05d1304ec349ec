#pragma once
// The bodies the fake Litmus answers with, in the shapes the Litmus API
// documentation shows. Kept apart from the fake's token and request
// bookkeeping (fake_litmus_state) so the documented shapes sit in one place
// and every caller of the fake sees the same ones.

#include "proxy/core/net.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::fake {

/// The application name GET /v3/ping/authenticated reports (meta.application.name).
inline constexpr std::string_view application_name = "Litmus Fake";

/// GET https://api.litmus.com/v3/ping/authenticated:
/// {"meta":{"ping":"pong","accessToken":{"token","expiresInSeconds","scopes":["full"]},
///          "application":{"name","uid"}}}.
/// `expires_in_seconds` nullopt (a token that never expires) is written as null.
json::object ping_answer(std::string_view token, std::optional<std::int64_t> expires_in_seconds,
                         std::string_view application_uid);

/// GET https://api.litmus.com/v2/users/current:
/// {"user":{"id","full_name","first_name","last_name","email"}}.
json::object current_user_answer(std::int64_t id, std::string_view first_name, std::string_view last_name,
                                 std::string_view email);

// The answers below also carry "user_id", the id of the user the token acts
// for: the fake's addition (not in Litmus's shapes) so a test can tell whose
// token a request reached the fake with.

/// GET https://api.litmus.com/v2/user_settings/clients:
/// {"clients":[{"code"},…],"user_id"}, always the same few client codes.
json::object clients_answer(std::int64_t user_id);

/// GET https://api.litmus.com/v2/user_settings/clients/configuration_url:
/// {"configuration_url":"https://litmus.com/ensured_user/<nonce>","user_id"}.
json::object configuration_url_answer(std::string_view nonce, std::int64_t user_id);

/// POST https://instant-api.litmus.com/v1/emails: {"email_guid"}.
json::object email_answer(std::string_view email_guid);

/// GET https://instant-api.litmus.com/v1/emails: the latest emails the
/// token's user created, oldest first: {"emails":[{"email_guid"},…],"user_id"}.
json::object emails_answer(const std::vector<std::string>& email_guids, std::int64_t user_id);

}  // namespace litmus::fake

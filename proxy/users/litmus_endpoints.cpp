#include "proxy/users/litmus_endpoints.hpp"

#include "proxy/core/log.hpp"
#include "proxy/users/callback_request.hpp"
#include "proxy/users/litmus_route.hpp"
#include "proxy/users/oauth_flow.hpp"
#include "proxy/users/user_status.hpp"

namespace litmus::users {

namespace {

endpoint_answer answer_of(const api_error& e)
{
    return {e.status, to_json(e), e.allow, e.error};
}

}  // namespace

litmus_endpoints::litmus_endpoints(const config::users_config& cfg, const token::credential_source& creds,
                                   fetch_fn fetch, identity_fn identity, user_store& store, user_tokens& tokens,
                                   users_metrics& metrics, wall_clock wall_now)
    : cfg_(cfg),
      creds_(creds),
      fetch_(std::move(fetch)),
      identity_(std::move(identity)),
      store_(store),
      tokens_(tokens),
      metrics_(metrics),
      wall_now_(std::move(wall_now)),
      states_(cfg.state_ttl)
{
}

net::awaitable<endpoint_answer> litmus_endpoints::handle(http::verb method, std::string_view target, std::string body)
{
    auto route = match_litmus_route(method, target);
    if (!route)
        co_return answer_of(route.error());
    switch (route->endpoint) {
    case litmus_endpoint::oauth_authorize: co_return authorize(body);
    case litmus_endpoint::oauth_callback: co_return co_await callback(body);
    case litmus_endpoint::user_status: co_return co_await status(route->user);
    case litmus_endpoint::user_forget: co_return co_await forget(route->user);
    }
    co_return answer_of(api_errors::not_found());
}

endpoint_answer litmus_endpoints::authorize(std::string_view body)
{
    auto answer = answer_authorize(body, cfg_, creds_.current()->client_id, states_);
    if (!answer)
        return answer_of(answer.error());
    metrics_.authorization(authorization_outcome::started).Increment();
    return {200, std::move(*answer), {}, {}};
}

net::awaitable<endpoint_answer> litmus_endpoints::callback(std::string_view body)
{
    auto exchange = begin_callback(body, states_);
    if (!exchange) {
        const auto& e = exchange.error();
        // Only a callback that spent a state ends an authorization; a forged
        // or replayed one never started one.
        if (e.error == "access_denied")
            metrics_.authorization(authorization_outcome::denied).Increment();
        else if (e.error != "invalid_state" && e.error != "invalid_request")
            metrics_.authorization(authorization_outcome::failed).Increment();
        co_return answer_of(e);
    }

    auto started = wall_now_();
    // Arguments are named rather than temporaries inside co_await: GCC 12
    // may destroy such temporaries twice (see user_tokens.cpp).
    auto grant = exchange->grant();
    auto fetched = co_await fetch_(std::move(grant));
    cleanse(exchange->code);
    if (auto* f = std::get_if<token::token_failure>(&fetched)) {
        bool refused = f->code == errc::token_rejected;
        metrics_.code_exchange(refused ? exchange_outcome::refused : exchange_outcome::failed).Increment();
        metrics_.authorization(authorization_outcome::failed).Increment();
        log::warn("user_code_exchange_failed",
                  {{"user", exchange->user}, {"error", name_of(f->code)}, {"status", f->status}, {"reason", f->reason}});
        co_return answer_of(exchange_failure_answer(*f));
    }
    metrics_.code_exchange(exchange_outcome::success).Increment();
    auto& tokens = std::get<token::token_response>(fetched);

    user_record record;
    record.user = exchange->user;
    record.access_token = std::move(tokens.access_token);
    record.access_expires_at = started + std::chrono::duration_cast<std::chrono::seconds>(tokens.lifetime).count();
    record.refresh_token = tokens.refresh_token.value_or("");

    // The tokens are the user's now, whoever Litmus says they are: a failed
    // identity call leaves the name empty rather than the user unconnected.
    auto authorization = std::string(token::token::scheme) + record.access_token;
    auto who = co_await identity_(std::move(authorization));
    if (who) {
        record.litmus_user_id = who->id;
        record.full_name = who->full_name;
    } else {
        log::warn("user_identity_unavailable", {{"user", record.user}, {"reason", who.error()}});
    }

    auto stored = co_await store_.put(std::move(record));
    if (!stored) {
        metrics_.authorization(authorization_outcome::failed).Increment();
        log::error("user_store_write_failed", {{"user", exchange->user}, {"error", stored.error().message()}});
        co_return answer_of(api_errors::store_unavailable());
    }
    tokens_.adopt(*stored);
    metrics_.authorization(authorization_outcome::completed).Increment();
    log::info("user_authorized", {{"user", stored->user},
                                  {"litmus_user_id", stored->litmus_user_id},
                                  {"refresh_token", !stored->refresh_token.empty()},
                                  {"expires_in", access_expires_in(*stored, wall_now_())}});
    litmus_identity identity{stored->litmus_user_id, stored->full_name};
    auto answer = callback_answer(stored->user, identity);
    cleanse(stored->access_token);
    cleanse(stored->refresh_token);
    co_return endpoint_answer{200, std::move(answer), {}, {}};
}

net::awaitable<endpoint_answer> litmus_endpoints::status(const std::string& user)
{
    auto got = co_await store_.get(user);
    if (!got) {
        if (got.error() != store_errc::record_unreadable)
            co_return answer_of(api_errors::store_unavailable());
        // Its tokens do not decrypt: as far as the app is concerned, the
        // user has to connect again.
        user_record unreadable;
        unreadable.user = user;
        unreadable.reauthorization_required = true;
        co_return endpoint_answer{200, user_status_answer(unreadable, wall_now_()), {}, {}};
    }
    if (!*got)
        co_return answer_of(api_errors::user_not_found());
    auto answer = user_status_answer(**got, wall_now_());
    cleanse((*got)->access_token);
    cleanse((*got)->refresh_token);
    co_return endpoint_answer{200, std::move(answer), {}, {}};
}

net::awaitable<endpoint_answer> litmus_endpoints::forget(const std::string& user)
{
    auto erased = co_await store_.erase(user);
    if (!erased)
        co_return answer_of(api_errors::store_unavailable());
    if (!*erased)
        co_return answer_of(api_errors::user_not_found());
    tokens_.forget(user);
    log::info("user_forgotten", {{"user", user}});
    co_return endpoint_answer{204, {}, {}, {}};
}

}  // namespace litmus::users

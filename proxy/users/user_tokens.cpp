#include "proxy/users/user_tokens.hpp"

#include "proxy/core/log.hpp"
#include "proxy/users/user_status.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>

namespace litmus::users {

namespace {

// A row's tokens as a token endpoint answer with the lifetime left at `now`
// (wall-clock seconds): what a token source adopts.
token::token_response response_of(const user_record& r, std::int64_t now)
{
    token::token_response t;
    t.access_token = r.access_token;
    if (!r.refresh_token.empty())
        t.refresh_token = r.refresh_token;
    t.lifetime = std::chrono::seconds(access_expires_in(r, now));
    return t;
}

token::token_failure failure(errc code, std::string reason)
{
    return {code, 0, std::move(reason)};
}

// What a failed refresh_locked() means for the token source.
token::token_failure failure_of(const boost::system::error_code& ec)
{
    if (ec == store_errc::record_unreadable)
        return failure(errc::refresh_refused, "the user's stored tokens do not decrypt");
    if (ec.category() == proxy_category())
        return failure(static_cast<errc>(ec.value()), "refresh failed: " + ec.message());
    return failure(errc::store_unavailable, "user store: " + ec.message());
}

}  // namespace

user_token_source::user_token_source(user_tokens& owner, std::string user, net::any_io_executor ex,
                                     const config::token_config& cfg, token::token_metrics& metrics)
    : owner_(owner),
      user_(std::move(user)),
      // No fallback grant: a user whose refresh token is refused can only
      // come back through a new authorization.
      tokens_(ex, cfg, [this](token::token_grant) { return owner_.refresh(*this); }, std::nullopt, metrics,
              "user:" + user_)
{
}

user_tokens::user_tokens(net::any_io_executor ex, const config::token_config& cfg, user_store& store, fetch_fn fetch,
                         token::token_metrics& token_metrics, users_metrics& metrics, wall_clock wall_now,
                         steady_now_fn steady_now, std::chrono::steady_clock::duration idle_release)
    : ex_(ex),
      cfg_(cfg),
      store_(store),
      fetch_(std::move(fetch)),
      token_metrics_(token_metrics),
      metrics_(metrics),
      wall_now_(std::move(wall_now)),
      steady_now_(std::move(steady_now)),
      idle_release_(idle_release),
      sweep_timer_(ex)
{
}

user_tokens::~user_tokens() = default;

std::shared_ptr<user_token_source> user_tokens::loaded(std::string_view user)
{
    auto it = sources_.find(user);
    if (it == sources_.end())
        return nullptr;
    it->second->last_used_ = steady_now_();
    return it->second;
}

net::awaitable<boost::system::result<std::shared_ptr<user_token_source>, errc>> user_tokens::source_for(
    std::string user)
{
    if (auto s = loaded(user))
        co_return s;
    auto got = co_await store_.get(user);
    if (!got) {
        if (got.error() == store_errc::record_unreadable)
            co_return errc::reauthorization_required;
        co_return errc::store_unavailable;
    }
    if (!*got)
        co_return errc::user_not_connected;
    const auto& record = **got;
    if (record.reauthorization_required)
        co_return errc::reauthorization_required;
    if (!is_connected(record, wall_now_()))
        co_return errc::user_not_connected;
    // Another request for the same user may have loaded it meanwhile: one
    // source per user, so that its refreshes stay a single flight.
    if (auto s = loaded(user))
        co_return s;
    if (stopping_)
        co_return errc::shutting_down;
    auto s = make_source(record);
    sources_.emplace(s->user_, s);
    metrics_.users_loaded.Set(static_cast<double>(sources_.size()));
    co_return s;
}

std::shared_ptr<user_token_source> user_tokens::make_source(const user_record& r)
{
    auto s = std::make_shared<user_token_source>(*this, r.user, ex_, cfg_, token_metrics_);
    s->revision_ = r.revision;
    s->last_used_ = steady_now_();
    s->tokens_.adopt(response_of(r, wall_now_()));
    s->tokens_.start();
    return s;
}

void user_tokens::adopt(const user_record& r)
{
    if (stopping_)
        return;
    if (auto it = sources_.find(r.user); it != sources_.end()) {
        retire(std::move(it->second));
        sources_.erase(it);
    }
    auto s = make_source(r);
    sources_.emplace(s->user_, s);
    metrics_.users_loaded.Set(static_cast<double>(sources_.size()));
}

void user_tokens::forget(const std::string& user)
{
    if (auto it = sources_.find(user); it != sources_.end()) {
        retire(std::move(it->second));
        sources_.erase(it);
        metrics_.users_loaded.Set(static_cast<double>(sources_.size()));
    }
}

void user_tokens::retire(std::shared_ptr<user_token_source> s)
{
    // A request holding it finishes with the token it has; the loop ends
    // at its next step (or when its store operation returns).
    s->tokens_.stop();
    retired_.push_back(std::move(s));
}

void user_tokens::start()
{
    net::co_spawn(ex_, sweep_loop(), net::detached);
}

void user_tokens::stop()
{
    stopping_ = true;
    sweep_timer_.cancel();
    for (auto& [user, s] : sources_)
        retire(std::move(s));
    sources_.clear();
    metrics_.users_loaded.Set(0);
}

void user_tokens::sweep(std::chrono::steady_clock::time_point now)
{
    for (auto it = sources_.begin(); it != sources_.end();) {
        // use_count 1: no request holds it.
        if (now - it->second->last_used_ >= idle_release_ && it->second.use_count() == 1) {
            retire(std::move(it->second));
            it = sources_.erase(it);
        } else {
            ++it;
        }
    }
    std::erase_if(retired_, [](const auto& s) { return !s->tokens_.running() && s.use_count() == 1; });
    metrics_.users_loaded.Set(static_cast<double>(sources_.size()));
}

net::awaitable<void> user_tokens::sweep_loop()
{
    while (!stopping_) {
        sweep_timer_.expires_after(std::chrono::minutes(1));
        auto [ec] = co_await sweep_timer_.async_wait(net::as_tuple(net::use_awaitable));
        if (ec || stopping_)
            co_return;
        sweep(steady_now_());
    }
}

net::awaitable<token::fetch_result> user_tokens::refresh(user_token_source& s)
{
    // Twice at most: when another writer moved the row on, its tokens are
    // used; only if those are no better (expired too) is the row refreshed
    // again, from the revision now seen.
    for (int round = 0; round < 2; ++round) {
        bool called = false;
        // Named, not a temporary in the co_await expression: GCC 12 destroys
        // such temporaries twice (GCC bug 100611).
        user_store::refresh_fn refresh_row =
            [this, &called, user = s.user_](user_record current) -> net::awaitable<store_result<user_record>> {
                called = true;
                token::token_grant grant;
                grant.kind = token::grant_kind::refresh_token;
                grant.refresh_token = current.refresh_token;
                auto started = wall_now_();
                auto result = co_await fetch_(std::move(grant));
                if (auto* ok = std::get_if<token::token_response>(&result)) {
                    metrics_.refresh(refresh_outcome_kind::success).Increment();
                    current.access_token = std::move(ok->access_token);
                    current.access_expires_at =
                        started + std::chrono::duration_cast<std::chrono::seconds>(ok->lifetime).count();
                    // RFC 6749 §6: without a new refresh token the old one stays valid.
                    if (ok->refresh_token)
                        current.refresh_token = std::move(*ok->refresh_token);
                    co_return current;
                }
                const auto& f = std::get<token::token_failure>(result);
                if (f.code == errc::refresh_refused) {
                    metrics_.refresh(refresh_outcome_kind::refused).Increment();
                    metrics_.reauthorization_required.Increment();
                    log::warn("user_reauthorization_required", {{"user", user}, {"reason", f.reason}});
                    current.reauthorization_required = true;
                    co_return current;
                }
                metrics_.refresh(refresh_outcome_kind::failed).Increment();
                co_return boost::system::error_code(make_error_code(f.code));
            };
        auto outcome = co_await store_.refresh_locked(s.user_, s.revision_, std::move(refresh_row));
        if (!outcome)
            co_return failure_of(outcome.error());
        if (!outcome->record)
            co_return failure(errc::refresh_refused, "the user was forgotten");
        const auto& record = *outcome->record;
        s.revision_ = record.revision;
        if (record.reauthorization_required)
            co_return failure(errc::refresh_refused, "the user must authorize again");
        if (!called)
            metrics_.refresh(refresh_outcome_kind::already_refreshed).Increment();
        auto now = wall_now_();
        if (outcome->refreshed || access_expires_in(record, now) > 0)
            co_return response_of(record, now);
    }
    co_return failure(errc::token_unavailable, "the user's stored token expired again while refreshing");
}

}  // namespace litmus::users

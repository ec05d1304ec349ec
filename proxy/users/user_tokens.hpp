#pragma once
// The users' access tokens in memory: one token source per user (the same
// type as the proxy's client-credentials one), created when a request first
// names the user, seeded from the user store, refreshed ahead of expiry and
// after an upstream 401 through the store's single-flight refresh (so that a
// rotating refresh token is spent once, across replicas), and released after
// a while without requests.

#include "proxy/config/config.hpp"
#include "proxy/core/error.hpp"
#include "proxy/core/net.hpp"
#include "proxy/token/token_metrics.hpp"
#include "proxy/token/token_source.hpp"
#include "proxy/users/stored_tokens.hpp"
#include "proxy/users/user_store.hpp"
#include "proxy/users/users_metrics.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace litmus::users {

class user_tokens;

/// One user's token source. Held by a request (shared_ptr) while it runs,
/// so a release never pulls it from under one.
class user_token_source {
public:
    user_token_source(user_tokens& owner, std::string user, net::any_io_executor ex, const config::token_config& cfg,
                      token::token_metrics& metrics);

    const std::string& user() const noexcept { return user_; }
    token::token_source& tokens() noexcept { return tokens_; }

private:
    friend class user_tokens;
    user_tokens& owner_;
    std::string user_;
    /// The store row revision this source's tokens came from: what the next
    /// refresh tells the store it saw.
    std::uint64_t revision_ = 0;
    std::chrono::steady_clock::time_point last_used_{};
    token::token_source tokens_;
};

/// Not thread-safe: on the proxy's io_context thread, like the token source.
class user_tokens {
public:
    /// POSTs a token grant (token_client::fetch).
    using fetch_fn = std::function<net::awaitable<token::fetch_result>(token::token_grant)>;
    using steady_now_fn = std::function<std::chrono::steady_clock::time_point()>;

    /// How long a user's token source is kept without a request.
    static constexpr std::chrono::minutes default_idle_release{15};

    user_tokens(net::any_io_executor ex, const config::token_config& cfg, user_store& store, fetch_fn fetch,
                token::token_metrics& token_metrics, users_metrics& metrics, wall_clock wall_now = system_wall_seconds,
                steady_now_fn steady_now = std::chrono::steady_clock::now,
                std::chrono::steady_clock::duration idle_release = default_idle_release);
    ~user_tokens();

    /// The token source of `user`, read from the store when not in memory.
    /// Errors: user_not_connected (no row, or no usable token in it),
    /// reauthorization_required (Litmus refused its refresh token, or its
    /// row no longer decrypts), store_unavailable.
    net::awaitable<boost::system::result<std::shared_ptr<user_token_source>, errc>> source_for(std::string user);

    /// The token source of `user` when it is in memory (the common case,
    /// answered without a coroutine); null when it has to be read from the
    /// store (source_for).
    std::shared_ptr<user_token_source> loaded(std::string_view user);

    /// A new authorization stored `r`: its tokens replace whatever was held
    /// for the user.
    void adopt(const user_record& r);

    /// The user was erased: their tokens leave memory.
    void forget(const std::string& user);

    /// Starts the sweep that releases idle users' sources (once a minute).
    void start();
    /// Stops every source and the sweep (shutdown).
    void stop();

    /// Releases the sources not used since `idle_release` before `now` and
    /// frees the stopped ones whose loop has ended. The sweep calls it; tests
    /// call it with made-up times.
    void sweep(std::chrono::steady_clock::time_point now);

    /// Sources in memory (for tests and the users_loaded gauge).
    std::size_t size() const noexcept { return sources_.size(); }

private:
    friend class user_token_source;

    std::shared_ptr<user_token_source> make_source(const user_record& r);
    void retire(std::shared_ptr<user_token_source> s);
    net::awaitable<token::fetch_result> refresh(user_token_source& s);
    net::awaitable<void> sweep_loop();

    net::any_io_executor ex_;
    const config::token_config& cfg_;
    user_store& store_;
    fetch_fn fetch_;
    token::token_metrics& token_metrics_;
    users_metrics& metrics_;
    wall_clock wall_now_;
    steady_now_fn steady_now_;
    std::chrono::steady_clock::duration idle_release_;
    std::map<std::string, std::shared_ptr<user_token_source>, std::less<>> sources_;
    /// Stopped sources whose loop may still be finishing (a store operation
    /// cannot be cancelled); freed by sweep() once it has.
    std::vector<std::shared_ptr<user_token_source>> retired_;
    net::steady_timer sweep_timer_;
    bool stopping_ = false;
};

}  // namespace litmus::users

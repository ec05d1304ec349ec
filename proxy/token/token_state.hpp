#pragma once
// The token source's decisions without I/O or a clock of its own: which token
// is usable now, when to fetch next, with which grant, and how failures back
// off. The coroutine shell (token_source) performs what this decides; unit
// tests drive it with made-up times.

#include "proxy/config/config.hpp"
#include "proxy/token/token_response.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace litmus::token {

using clock = std::chrono::steady_clock;

/// An access token as the forwarder uses it. Immutable and shared, so a
/// request keeps the token it started with even while a refresh replaces it.
struct token {
    static constexpr std::string_view scheme = "Bearer ";
    std::string authorization;  ///< "Bearer <access token>", the header value
    std::uint64_t generation = 0;  ///< increases with every token obtained
    clock::time_point expires_at;
    /// The bare access token (for scrubbing echoes of it).
    std::string_view value() const noexcept { return std::string_view(authorization).substr(scheme.size()); }
};
using token_ptr = std::shared_ptr<const token>;

/// The refresh point: `lifetime * refresh_before` ahead of expiry, moved by
/// up to ±`refresh_jitter` of that margin (`unit_random` in [0, 1) picks
/// where), and never before a tenth of the lifetime has passed, so even a
/// token shorter than any sensible margin is used before it is replaced.
clock::time_point refresh_point(clock::time_point obtained_at, std::chrono::milliseconds lifetime,
                                double refresh_before, double refresh_jitter, double unit_random) noexcept;

/// Delay before retry number `attempt` (1 = first retry): `initial` doubling
/// up to `max`, then "equal jitter" (between half and all of that), so a
/// fleet spreads out yet every pod still backs off.
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, double unit_random) noexcept;

/// How close to expiry a token stops being handed out: a request must still
/// reach the upstream before the token dies. 5% of the lifetime, at most 5 s.
std::chrono::milliseconds expiry_guard(std::chrono::milliseconds lifetime) noexcept;

/// What a token source tells readiness and the systemd status line. Never
/// holds a token.
struct token_status {
    bool valid = false;            ///< a token is handed out now
    clock::duration valid_for{};   ///< until that token expires; zero when !valid
    /// Why the last finished fetch failed; empty once one succeeds.
    std::optional<token_failure> failing;
};

/// Not thread-safe: owned by one token_source, used on its executor.
class token_state {
public:
    /// `fallback` is the grant used when no refresh token is held: client
    /// credentials for the proxy's own token; none for a user's tokens, whose
    /// only way back after a refused refresh is a new authorization.
    token_state(const config::token_config& cfg, std::optional<token_grant> fallback);

    /// The current token if it is valid for a while yet at `now`, else null.
    token_ptr usable(clock::time_point now) const;

    /// When the next fetch should start: now when there is no token and no
    /// backoff is running, the refresh point when a token is held, the end of
    /// the backoff after a failure. time_point::max() when nothing can be
    /// fetched (reauthorization required).
    clock::time_point next_fetch_at(clock::time_point now) const noexcept;

    /// The grant for the next fetch: the refresh token when one is held,
    /// else the fallback; nullopt when neither exists.
    std::optional<token_grant> next_grant() const;

    /// A request found no usable token: fetch as soon as backoff allows.
    void on_token_wanted() noexcept { wanted_ = true; }

    void on_fetch_succeeded(clock::time_point started, const token_response& r, double unit_random);

    /// Returns true when this failure makes the source newly "rejected" (the
    /// endpoint refused the credentials after it last accepted them), which
    /// the shell logs once at error level.
    bool on_fetch_failed(clock::time_point now, const token_failure& f, double unit_random);

    /// An upstream answered 401 to the token of `generation`. Returns true if
    /// that was the current token (now dropped); false if it had already been
    /// replaced, in which case the caller just retries with the current one.
    /// A token refused within seconds of being issued, again and again, puts
    /// the next fetches under backoff: the endpoint hands out tokens the API
    /// refuses, and re-fetching at request rate would only hammer it.
    /// A token refused within seconds of being issued, again and again, puts
    /// the next fetches under backoff: the endpoint hands out tokens the API
    /// refuses, and re-fetching at request rate would only hammer it. Only
    /// tokens that never earned an upstream answer count: one that worked
    /// and was then revoked says nothing against the endpoint, and ends a
    /// streak.
    bool on_rejected_by_upstream(std::uint64_t generation, clock::time_point now, double unit_random);

    /// An upstream answered something other than 401 to the token of
    /// `generation`: if it is the current token, it has proved good (see
    /// on_rejected_by_upstream). Called for every forwarded response, so it
    /// is O(1) and allocation-free; a stale generation is ignored.
    void on_accepted_by_upstream(std::uint64_t generation) noexcept
    {
        if (current_ && current_->generation == generation)
            current_accepted_ = true;
    }

    bool rejected() const noexcept { return rejected_; }
    bool reauthorization_required() const noexcept { return !refresh_token_ && !fallback_; }
    bool has_refresh_token() const noexcept { return refresh_token_.has_value(); }
    unsigned consecutive_failures() const noexcept { return failures_; }
    /// The failure of the last finished fetch; empty when it succeeded or
    /// none has finished yet.
    const std::optional<token_failure>& last_failure() const noexcept { return last_failure_; }
    token_status status(clock::time_point now) const;
    std::uint64_t generation() const noexcept { return current_ ? current_->generation : 0; }

private:
    const config::token_config& cfg_;
    std::optional<token_grant> fallback_;
    token_ptr current_;
    std::optional<std::string> refresh_token_;
    std::uint64_t generations_ = 0;
    clock::time_point obtained_at_{};
    std::chrono::milliseconds guard_{0};
    clock::time_point refresh_at_{};
    clock::time_point retry_at_{};
    unsigned failures_ = 0;
    unsigned quick_rejections_ = 0;
    bool current_accepted_ = false;  // current_ has earned a non-401 upstream answer
    bool wanted_ = false;
    bool rejected_ = false;
    std::optional<token_failure> last_failure_;
};

}  // namespace litmus::token

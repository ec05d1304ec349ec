#pragma once
// The `state` of each authorization in progress (POST /_litmus/oauth/authorize
// issues one, the callback takes it back): a random value the app carries
// through the browser round trip, so a callback can only complete an
// authorization this proxy started, for the user and redirect_uri it was
// started for (RFC 6749 §10.12, CSRF). Each state is single use and expires
// after users.state_ttl. Kept in memory: an authorization in progress does
// not survive a restart (the user clicks "connect" again).
//
// Bounded: at most `max_pending` states are kept, expired ones are dropped
// first, and when all are live a new authorization is refused
// (state_error::too_many_pending) instead of growing memory, so a flood of
// authorize calls costs a bounded amount.

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace litmus::users {

/// What a state was issued for; the callback acts on this, never on what its
/// body says.
struct pending_authorization {
    std::string user;          ///< the app's user key
    std::string redirect_uri;  ///< "" = the authorization had none
};

enum class state_error {
    /// Unknown (never issued, or forged), expired, or already taken.
    invalid_state,
    /// max_pending live states are outstanding: refuse rather than grow.
    too_many_pending,
};

/// "invalid_state", "too_many_pending_authorizations": stable snake_case
/// names for JSON `error` fields, logs and metric labels.
std::string_view name_of(state_error e) noexcept;

/// Lets boost::system::result<T, state_error>::value() throw (found by ADL).
[[noreturn]] void throw_exception_from_error(state_error e, const boost::source_location& loc);

/// Random bytes in a state: 256 bits, well above the 128 that make guessing
/// one hopeless (RFC 6749 §10.10).
inline constexpr std::size_t state_random_bytes = 32;

/// Thread-safe (one mutex; every operation is short and does no I/O).
class oauth_state_store {
public:
    using clock = std::chrono::steady_clock;
    /// The time source, injectable for tests.
    using now_fn = std::function<clock::time_point()>;

    /// Default cap on outstanding states: far more authorizations than an
    /// app has users clicking "connect" within users.state_ttl, and a few MB
    /// at most.
    static constexpr std::size_t default_max_pending = 10'000;

    /// `ttl` is users.state_ttl (> 0); `max_pending` > 0.
    explicit oauth_state_store(std::chrono::milliseconds ttl, std::size_t max_pending = default_max_pending,
                               now_fn now = clock::now);

    /// A fresh state bound to `user` and `redirect_uri` ("" = none), usable
    /// once until ttl() from now: 32 bytes from OpenSSL's RAND_bytes as
    /// base64url without padding (43 characters of [A-Za-z0-9_-], safe in a
    /// URL and a JSON string as is). Throws std::runtime_error only when
    /// OpenSSL has no randomness to give.
    boost::system::result<std::string, state_error> issue(std::string user, std::string redirect_uri);

    /// What `state` was issued for, removing it: a second take() of the same
    /// state fails. Fails with invalid_state when unknown or expired.
    boost::system::result<pending_authorization, state_error> take(std::string_view state);

    /// How long an issued state stays usable (users.state_ttl).
    std::chrono::milliseconds ttl() const noexcept { return ttl_; }

    /// States kept now, expired ones not yet dropped included (for tests and
    /// a gauge).
    std::size_t size() const;

private:
    struct entry {
        pending_authorization what;
        std::multimap<clock::time_point, std::string>::iterator by_expiry;
    };

    void drop_expired(clock::time_point now);

    const std::chrono::milliseconds ttl_;
    const std::size_t max_pending_;
    const now_fn now_;

    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> states_;
    /// The same states ordered by expiry, so the expired ones are found
    /// without a scan.
    std::multimap<clock::time_point, std::string> expiries_;
};

}  // namespace litmus::users

#include "proxy/users/oauth_state_store.hpp"

#include <boost/throw_exception.hpp>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace litmus::users {

namespace {

std::string base64url(const unsigned char* data, std::size_t size)
{
    static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((size * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        const unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += digits[(v >> 6) & 63];
        out += digits[v & 63];
    }
    if (size - i == 1) {
        const unsigned v = data[i] << 16;
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
    } else if (size - i == 2) {
        const unsigned v = (data[i] << 16) | (data[i + 1] << 8);
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += digits[(v >> 6) & 63];
    }
    return out;
}

std::string random_state()
{
    std::array<unsigned char, state_random_bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed: no randomness for an authorization state");
    return base64url(bytes.data(), bytes.size());
}

}  // namespace

std::string_view name_of(state_error e) noexcept
{
    switch (e) {
    case state_error::invalid_state: return "invalid_state";
    case state_error::too_many_pending: return "too_many_pending_authorizations";
    }
    return "unknown";
}

void throw_exception_from_error(state_error e, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(std::string(name_of(e))), loc);
}

oauth_state_store::oauth_state_store(std::chrono::milliseconds ttl, std::size_t max_pending, now_fn now)
    : ttl_(ttl), max_pending_(max_pending), now_(std::move(now))
{
    if (ttl_ <= std::chrono::milliseconds::zero() || max_pending_ == 0 || !now_)
        throw std::invalid_argument("oauth_state_store: ttl and max_pending must be positive, now set");
}

boost::system::result<std::string, state_error> oauth_state_store::issue(std::string user, std::string redirect_uri)
{
    auto state = random_state();
    std::lock_guard lock(mutex_);
    const auto now = now_();
    if (states_.size() >= max_pending_)
        drop_expired(now);
    if (states_.size() >= max_pending_)
        return state_error::too_many_pending;
    auto by_expiry = expiries_.emplace(now + ttl_, state);
    // 256 random bits do not collide; were they to, the first state is kept
    // and this one is refused rather than overwriting another binding.
    auto [it, inserted] = states_.try_emplace(state, entry{{std::move(user), std::move(redirect_uri)}, by_expiry});
    if (!inserted) {
        expiries_.erase(by_expiry);
        return state_error::too_many_pending;
    }
    return state;
}

boost::system::result<pending_authorization, state_error> oauth_state_store::take(std::string_view state)
{
    std::lock_guard lock(mutex_);
    auto it = states_.find(std::string(state));
    if (it == states_.end())
        return state_error::invalid_state;
    const bool expired = now_() >= it->second.by_expiry->first;
    pending_authorization what = std::move(it->second.what);
    expiries_.erase(it->second.by_expiry);
    states_.erase(it);
    if (expired)
        return state_error::invalid_state;
    return what;
}

std::size_t oauth_state_store::size() const
{
    std::lock_guard lock(mutex_);
    return states_.size();
}

void oauth_state_store::drop_expired(clock::time_point now)
{
    auto end = expiries_.upper_bound(now);
    for (auto it = expiries_.begin(); it != end; ++it)
        states_.erase(it->second);
    expiries_.erase(expiries_.begin(), end);
}

}  // namespace litmus::users

#include "proxy/token/token_state.hpp"

#include <algorithm>
#include <cmath>

namespace litmus::token {

using std::chrono::milliseconds;

namespace {

// A token refused by the API sooner than this after it was issued counts as
// a "quick" rejection (see on_rejected_by_upstream).
constexpr milliseconds quick_rejection_window{10'000};

milliseconds scale(milliseconds d, double f) noexcept
{
    return milliseconds(static_cast<long long>(std::llround(static_cast<double>(d.count()) * f)));
}

}  // namespace

clock::time_point refresh_point(clock::time_point obtained_at, milliseconds lifetime, double refresh_before,
                                double refresh_jitter, double unit_random) noexcept
{
    auto margin = scale(lifetime, refresh_before);
    auto jitter = scale(margin, refresh_jitter * (2.0 * unit_random - 1.0));
    auto at = obtained_at + lifetime - margin + jitter;
    return std::max(at, obtained_at + lifetime / 10);
}

milliseconds backoff_delay(unsigned attempt, milliseconds initial, milliseconds max, double unit_random) noexcept
{
    auto base = initial;
    for (unsigned i = 1; i < attempt && base < max; ++i)
        base *= 2;
    base = std::min(base, max);
    return base / 2 + scale(base / 2, unit_random);
}

milliseconds expiry_guard(milliseconds lifetime) noexcept
{
    return std::min(milliseconds(5'000), lifetime / 20);
}

token_state::token_state(const config::token_config& cfg, std::optional<token_grant> fallback)
    : cfg_(cfg), fallback_(std::move(fallback))
{
}

token_ptr token_state::usable(clock::time_point now) const
{
    if (!current_ || now >= current_->expires_at - guard_)
        return nullptr;
    return current_;
}

token_status token_state::status(clock::time_point now) const
{
    token_status s;
    if (usable(now)) {
        s.valid = true;
        s.valid_for = current_->expires_at - now;
    }
    s.failing = last_failure_;
    return s;
}

clock::time_point token_state::next_fetch_at(clock::time_point now) const noexcept
{
    if (!refresh_token_ && !fallback_)
        return clock::time_point::max();
    // retry_at_ is "not before": the end of a backoff, in the past otherwise.
    if (!usable(now) || wanted_)
        return std::max(now, retry_at_);
    return std::max(refresh_at_, retry_at_);
}

std::optional<token_grant> token_state::next_grant() const
{
    if (refresh_token_) {
        token_grant g;
        g.kind = grant_kind::refresh_token;
        g.refresh_token = *refresh_token_;
        return g;
    }
    return fallback_;
}

void token_state::on_fetch_succeeded(clock::time_point started, const token_response& r, double unit_random)
{
    auto t = std::make_shared<token>();
    t->authorization = std::string(token::scheme) + r.access_token;
    t->generation = ++generations_;
    // Lifetime counts from when the request left, not when the answer came:
    // the endpoint's clock started no later than that.
    t->expires_at = started + r.lifetime;
    current_ = std::move(t);
    current_accepted_ = false;
    // A scheduled refresh of a token that lived ends a streak of quick rejections.
    if (started - obtained_at_ >= quick_rejection_window)
        quick_rejections_ = 0;
    obtained_at_ = started;
    guard_ = expiry_guard(r.lifetime);
    refresh_at_ = refresh_point(started, r.lifetime, cfg_.refresh_before, cfg_.refresh_jitter, unit_random);
    // RFC 6749 §6: with no new refresh token in the answer the old one stays valid.
    if (r.refresh_token)
        refresh_token_ = r.refresh_token;
    failures_ = 0;
    wanted_ = false;
    rejected_ = false;
    last_failure_.reset();
}

bool token_state::on_fetch_failed(clock::time_point now, const token_failure& f, double unit_random)
{
    last_failure_ = f;
    if (f.code == errc::refresh_refused && fallback_) {
        // The refresh token is spent or revoked; the fallback grant may still
        // work, and trying it at once is not a retry of the same request.
        refresh_token_.reset();
        return false;
    }
    if (f.code == errc::refresh_refused)
        refresh_token_.reset();
    ++failures_;
    retry_at_ = now + backoff_delay(failures_, cfg_.backoff_initial, cfg_.backoff_max, unit_random);
    bool newly_rejected = f.code == errc::token_rejected && !rejected_;
    if (f.code == errc::token_rejected)
        rejected_ = true;
    return newly_rejected;
}

bool token_state::on_rejected_by_upstream(std::uint64_t generation, clock::time_point now, double unit_random)
{
    if (!current_ || current_->generation != generation)
        return false;
    current_.reset();
    wanted_ = true;
    if (current_accepted_) {
        // It worked, then was revoked: the endpoint's tokens are good, so this
        // is no evidence for backing off, and any streak of refused ones is over.
        quick_rejections_ = 0;
    } else if (now - obtained_at_ < quick_rejection_window) {
        ++quick_rejections_;
        // The first quick rejection is fetched again at once (a revocation
        // can hit a token issued a moment ago); repeats back off.
        if (quick_rejections_ > 1)
            retry_at_ = now + backoff_delay(quick_rejections_ - 1, cfg_.backoff_initial, cfg_.backoff_max, unit_random);
    } else {
        quick_rejections_ = 0;
    }
    return true;
}

}  // namespace litmus::token

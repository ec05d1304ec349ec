#include "proxy/upstream/pool_rules.hpp"

namespace litmus::upstream {

idle_verdict judge_idle(std::chrono::steady_clock::time_point idle_since,
                        std::chrono::steady_clock::time_point now,
                        std::chrono::milliseconds idle_timeout, peek_result peek) noexcept
{
    switch (peek) {
    case peek_result::eof:
    case peek_result::error: return idle_verdict::closed_by_peer;
    case peek_result::data: return idle_verdict::unexpected_data;
    case peek_result::nothing: break;
    }
    // Servers drop idle keep-alive connections on their own timer; ours must be
    // shorter, or a request races their close.
    if (now - idle_since >= idle_timeout)
        return idle_verdict::expired;
    return idle_verdict::reuse;
}

bool may_keep(bool response_complete, bool keep_alive, std::size_t leftover_bytes,
              std::size_t idle_count, std::size_t max_idle) noexcept
{
    return response_complete && keep_alive && leftover_bytes == 0 && idle_count < max_idle;
}

}  // namespace litmus::upstream

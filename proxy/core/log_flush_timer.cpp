#include "proxy/core/log_flush_timer.hpp"

#include "proxy/core/log.hpp"

namespace litmus {

log_flush_timer::log_flush_timer(net::any_io_executor ex, std::chrono::milliseconds interval)
    : timer_(ex), interval_(interval)
{
}

void log_flush_timer::start()
{
    stopped_ = false;
    arm();
}

void log_flush_timer::arm()
{
    timer_.expires_after(interval_);
    timer_.async_wait([this](const error_code& ec) {
        if (ec || stopped_)
            return;
        log::flush();
        arm();
    });
}

void log_flush_timer::stop()
{
    stopped_ = true;
    timer_.cancel();
    log::flush();
}

}  // namespace litmus

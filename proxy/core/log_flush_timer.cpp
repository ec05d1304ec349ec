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
    // Armed by the first line that waits, not on a period: an idle proxy has
    // nothing to flush and no reason to wake up.
    log::on_first_buffered_line([this] {
        if (!armed_ && !stopped_)
            arm();
    });
}

void log_flush_timer::arm()
{
    armed_ = true;
    timer_.expires_after(interval_);
    timer_.async_wait([this](const error_code& ec) {
        armed_ = false;
        if (ec || stopped_)
            return;
        log::flush();
    });
}

log_flush_timer::~log_flush_timer()
{
    log::on_first_buffered_line({});
}

void log_flush_timer::stop()
{
    stopped_ = true;
    log::on_first_buffered_line({});
    timer_.cancel();
    log::flush();
}

}  // namespace litmus

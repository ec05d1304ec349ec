#include "proxy/token/credential_watch.hpp"

namespace litmus::token {

credential_watch::credential_watch(net::any_io_executor ex, credential_source& source,
                                   std::chrono::milliseconds interval)
    : timer_(std::move(ex)), source_(source), interval_(interval)
{
}

void credential_watch::start()
{
    if (interval_.count() > 0 && source_.watches_files())
        arm();
}

void credential_watch::stop()
{
    stopped_ = true;
    timer_.cancel();
}

void credential_watch::arm()
{
    timer_.expires_after(interval_);
    timer_.async_wait([this](const error_code& ec) {
        if (ec || stopped_)
            return;
        source_.rescan();
        arm();
    });
}

}  // namespace litmus::token

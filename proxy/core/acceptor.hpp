#pragma once
// Binding a listening socket from a configured HOST:PORT, shared by the
// proxy listener and the admin listener, and accepting on it.

#include "proxy/core/net.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace litmus {

/// An acceptor bound to HOST:PORT (a configured listen address) and listening, with SO_REUSEADDR so a restart
/// does not wait out TIME_WAIT. "localhost" binds 127.0.0.1; an IPv6
/// literal may be bracketed. Throws boost::system::system_error when the
/// address is unusable or the port taken, so a start fails before anything
/// else runs.
tcp::acceptor open_acceptor(net::any_io_executor ex, std::string_view host, std::uint16_t port);

/// The next connection, with TCP_NODELAY set; nullopt once the acceptor is
/// closed. A failed accept (EMFILE and friends) is logged as `failure_event`
/// and retried after a short pause: the connections already open keep
/// being served, and a full fd table does not spin the loop.
net::awaitable<std::optional<tcp::socket>> accept_next(tcp::acceptor& acceptor, std::string_view failure_event);

/// As above for the proxy listener, TCP or Unix-domain; TCP_NODELAY is set
/// on TCP connections only.
net::awaitable<std::optional<client_socket>> accept_next(stream_acceptor& acceptor, std::string_view failure_event);

}  // namespace litmus

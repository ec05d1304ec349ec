#pragma once
// Precompiled header shared by every target: the heavy Boost headers that
// nearly every file of the proxy and the tests includes, plus short aliases.

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litmus {
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

/// The proxy listener's sockets: TCP or Unix-domain, one type for both
/// (generic::stream_protocol carries either address family), so that the
/// session and forwarding code is written once.
using stream_acceptor = net::basic_socket_acceptor<net::generic::stream_protocol>;
using client_socket = net::generic::stream_protocol::socket;
template <class Protocol>
class deadline_stream;  // proxy/core/deadline_stream.hpp, not in this precompiled header
/// A client connection of the proxy listener, with a deadline for its
/// reads and writes.
using client_stream = deadline_stream<net::generic::stream_protocol>;
}  // namespace litmus

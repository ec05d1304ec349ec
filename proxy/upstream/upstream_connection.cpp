#include "proxy/upstream/upstream_connection.hpp"

#include "proxy/core/error.hpp"
#include "proxy/core/log.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace litmus::upstream {

namespace {

bool is_timeout(const error_code& ec)
{
    return ec == beast::error::timeout || ec == net::error::timed_out;
}

}  // namespace

net::awaitable<boost::system::result<void, errc>>
open_upstream(upstream_connection& conn, const upstream_target& target, std::chrono::milliseconds timeout,
              const tls_handshake_counters* handshakes, tls_session_slot* session)
{
    auto ex = co_await net::this_coro::executor;
    auto& tcp_layer = beast::get_lowest_layer(conn.stream);
    auto deadline = std::chrono::steady_clock::now() + timeout;

    std::vector<tcp::endpoint> endpoints;
    error_code ec;
    auto address = net::ip::make_address(target.connect_host, ec);
    if (!ec) {
        endpoints.emplace_back(address, target.connect_port);
    } else {
        // getaddrinfo cannot be interrupted; the connect deadline below still
        // bounds the whole attempt once the answer is in.
        tcp::resolver resolver(ex);
        auto [rec, results] = co_await resolver.async_resolve(
            target.connect_host, std::to_string(target.connect_port), net::as_tuple(net::use_awaitable));
        if (rec) {
            conn.open_error = rec;
            co_return errc::upstream_connect_failed;
        }
        for (const auto& r : results)
            endpoints.push_back(r.endpoint());
    }

    tcp_layer.expires_at(deadline);
    auto [cec, connected] = co_await tcp_layer.async_connect(endpoints, net::as_tuple(net::use_awaitable));
    conn.open_error = cec;
    if (cec)
        co_return is_timeout(cec) ? errc::upstream_connect_timeout : errc::upstream_connect_failed;
    (void)connected;
    error_code nodelay_ignored;  // latency only; never a reason to fail
    tcp_layer.socket().set_option(tcp::no_delay(true), nodelay_ignored);

    // SNI, and the certificate must name the host we mean, not merely chain
    // to a trusted CA (Beast's own client examples stop at the chain check):
    // OpenSSL's check (RFC 6125; IP literals against IP SANs), whose verify
    // result names a mismatch, which `check` reports.
    if (!SSL_set_tlsext_host_name(conn.stream.native_handle(), target.host.c_str()))
        co_return errc::upstream_tls_handshake;
    error_code not_an_address;
    net::ip::make_address(target.host, not_an_address);
    SSL* ssl = conn.stream.native_handle();
    const bool host_set = not_an_address ? SSL_set1_host(ssl, target.host.c_str())
                                         : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), target.host.c_str());
    if (!host_set)
        co_return errc::upstream_tls_handshake;
    if (session)
        session->attach(conn.stream.native_handle());

    tcp_layer.expires_at(deadline);
    auto [hec] = co_await conn.stream.async_handshake(net::as_tuple(net::use_awaitable));
    conn.open_error = hec;
    if (handshakes) {
        (hec ? handshakes->failed : handshakes->ok).Increment();
        if (!hec && SSL_session_reused(conn.stream.native_handle()))
            handshakes->resumed.Increment();
    }
    if (hec) {
        // The TLS library's reason ("certificate verify failed", "wrong
        // version number") is what an operator needs to fix a trust problem.
        log::warn("upstream_tls_failed", {{"upstream", target.name}, {"host", target.host},
                                          {"connect", target.connect_host + ":" + std::to_string(target.connect_port)},
                                          {"error", hec.message()}});
        co_return is_timeout(hec) ? errc::upstream_connect_timeout : errc::upstream_tls_handshake;
    }
    tcp_layer.expires_never();
    co_return boost::system::result<void, errc>{};
}

net::awaitable<boost::system::result<std::unique_ptr<upstream_connection>, errc>>
connect_upstream(ssl::context& ctx, const upstream_target& target, std::chrono::milliseconds timeout,
                 const tls_handshake_counters* handshakes, tls_session_slot* session)
{
    auto conn = std::make_unique<upstream_connection>(co_await net::this_coro::executor, ctx);
    auto opened = co_await open_upstream(*conn, target, timeout, handshakes, session);
    if (!opened)
        co_return opened.error();
    co_return std::move(conn);
}

void close_connection(upstream_connection& c) noexcept
{
    // No close_notify: waiting for the peer's buys nothing here.
    auto& tcp_layer = beast::get_lowest_layer(c.stream);
    c.open.release();
    error_code ignored;
    tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer.socket().close(ignored);
}

}  // namespace litmus::upstream

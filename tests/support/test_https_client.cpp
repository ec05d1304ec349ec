#include "tests/support/test_https_client.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <openssl/ssl.h>

#include <optional>
#include <stdexcept>

namespace litmus::test {

namespace {

constexpr auto tuple_token = net::as_tuple(net::use_awaitable);

bool is_ip_literal(const std::string& name)
{
    error_code ec;
    net::ip::make_address(name, ec);
    return !ec;
}

bool has_header(const header_list& headers, std::string_view name)
{
    for (const auto& h : headers)
        if (boost::algorithm::iequals(h.first, name))
            return true;
    return false;
}

}  // namespace

std::string https_response::header(std::string_view name) const
{
    for (const auto& [n, v] : headers)
        if (boost::algorithm::iequals(n, name))
            return v;
    return {};
}

json::value https_response::json() const { return json::parse(body); }

struct https_connection::impl {
    std::uint16_t port;
    std::string ca_file;
    std::string host;
    https_options opts;
    net::io_context ioc{1};
    ssl::context tls{ssl::context::tls_client};
    std::optional<ssl::stream<beast::tcp_stream>> stream;
    beast::flat_buffer buffer;

    net::awaitable<void> exchange(https_response& out, std::string_view method, std::string_view target,
                                  const header_list& headers, std::string_view body,
                                  std::chrono::steady_clock::time_point deadline);
};

net::awaitable<void> https_connection::impl::exchange(https_response& out, std::string_view method,
                                                      std::string_view target, const header_list& headers,
                                                      std::string_view body,
                                                      std::chrono::steady_clock::time_point deadline)
{
    auto fail = [&](error_code ec, const char* where) {
        out.ec = ec;
        out.failed_at = where;
        stream.reset();
    };

    if (!stream) {
        buffer.clear();
        stream.emplace(ioc, tls);
        const std::string name = opts.tls_name.empty() ? host : opts.tls_name;
        // RFC 6066 §3: no SNI for IP literals.
        if (!is_ip_literal(name) && SSL_set_tlsext_host_name(stream->native_handle(), name.c_str()) != 1)
            throw std::runtime_error("SSL_set_tlsext_host_name failed");
        // verify_peer alone checks only the chain; the name check is separate.
        stream->set_verify_callback(ssl::host_name_verification(name));
        auto& tcp_layer = beast::get_lowest_layer(*stream);
        tcp_layer.expires_at(deadline);
        auto [c_ec] = co_await tcp_layer.async_connect(tcp::endpoint(net::ip::make_address(opts.connect_host), port),
                                                       tuple_token);
        if (c_ec) {
            fail(c_ec, "connect");
            co_return;
        }
        auto [h_ec] = co_await stream->async_handshake(ssl::stream_base::client, tuple_token);
        if (h_ec) {
            fail(h_ec, "handshake");
            co_return;
        }
    }
    beast::get_lowest_layer(*stream).expires_at(deadline);

    http::request<http::string_body> req;
    req.version(11);
    req.method_string(method);
    req.target(target);
    for (const auto& [n, v] : headers)
        req.insert(n, v);
    if (!has_header(headers, "host"))
        req.set(http::field::host, host);
    req.body() = std::string(body);
    // A caller-supplied Content-Length or Transfer-Encoding is kept as is, so
    // tests can send chunked bodies (Beast serializes a chunked message chunked).
    if (!has_header(headers, "content-length") && !has_header(headers, "transfer-encoding"))
        req.prepare_payload();

    auto [w_ec, w_n] = co_await http::async_write(*stream, req, tuple_token);
    if (w_ec) {
        fail(w_ec, "write");
        co_return;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    if (req.method() == http::verb::head)
        parser.skip(true);
    auto [r_ec, r_n] = co_await http::async_read(*stream, buffer, parser, tuple_token);
    if (r_ec) {
        fail(r_ec, "read");
        co_return;
    }
    auto res = parser.release();
    out.status = res.result_int();
    for (const auto& f : res)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive())
        stream.reset();
}

https_connection::https_connection(std::uint16_t port, std::string ca_file, std::string host, https_options opts)
    : impl_(std::make_unique<impl>())
{
    impl_->port = port;
    impl_->ca_file = std::move(ca_file);
    impl_->host = std::move(host);
    impl_->opts = std::move(opts);
    impl_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    impl_->tls.set_verify_mode(ssl::verify_peer);
    impl_->tls.load_verify_file(impl_->ca_file);
}

https_connection::~https_connection() = default;

bool https_connection::connected() const noexcept { return impl_->stream.has_value(); }

https_response https_connection::request(std::string_view method, std::string_view target, const header_list& headers,
                                         std::string_view body)
{
    https_response out;
    const auto deadline = std::chrono::steady_clock::now() + impl_->opts.timeout;
    std::exception_ptr failure;
    net::co_spawn(impl_->ioc, impl_->exchange(out, method, target, headers, body, deadline),
                  [&failure](std::exception_ptr e) {
                      if (e)
                          failure = e;
                  });
    impl_->ioc.restart();
    // Every operation above carries the deadline, so this returns in time.
    impl_->ioc.run();
    if (failure) {
        impl_->stream.reset();
        std::rethrow_exception(failure);
    }
    return out;
}

https_response https_request(std::uint16_t port, const std::string& ca_file, const std::string& host,
                             std::string_view method, std::string_view target, const header_list& headers,
                             std::string_view body, const https_options& opts)
{
    https_connection conn(port, ca_file, host, opts);
    return conn.request(method, target, headers, body);
}

}  // namespace litmus::test

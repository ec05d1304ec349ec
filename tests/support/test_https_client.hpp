#pragma once
// A small blocking HTTPS client for tests: real certificate and host name
// verification against a given CA, one request at a time, every step under
// one deadline so a stalled server fails the test instead of hanging it.

#include "proxy/core/net.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace litmus::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct https_response {
    unsigned status = 0;  ///< 0 when no response was read (see ec / failed_at)
    std::string body;
    header_list headers;
    error_code ec;          ///< first failure, if any
    std::string failed_at;  ///< "connect", "handshake", "write", "read" or "" on success

    bool ok() const noexcept { return !ec && status != 0; }
    /// The first header named `name` (case-insensitive); "" when absent.
    std::string header(std::string_view name) const;
    /// The body parsed as JSON; throws boost::system::system_error when it isn't.
    json::value json() const;
};

struct https_options {
    std::chrono::milliseconds timeout{5000};  ///< for the whole exchange, connect included
    /// TLS server name and certificate name to verify; empty: the `host`
    /// argument. IP literals are checked against IP SANs and send no SNI.
    std::string tls_name;
    std::string connect_host = "127.0.0.1";
};

/// One HTTPS connection (TLS 1.2+, verify_peer, SNI, host name check) that is
/// reused for keep-alive requests. Not thread-safe. Each call runs a private
/// io_context, so it may be used from any one thread at a time.
class https_connection {
public:
    /// Does not connect yet; the first request() does.
    https_connection(std::uint16_t port, std::string ca_file, std::string host, https_options opts = {});
    ~https_connection();
    https_connection(const https_connection&) = delete;
    https_connection& operator=(const https_connection&) = delete;

    /// Sends one request with `Host: <host>` (unless `headers` has one) and
    /// Content-Length for a non-empty body, and reads the response. After a
    /// failure or a `Connection: close` answer the next call reconnects.
    https_response request(std::string_view method, std::string_view target, const header_list& headers = {},
                           std::string_view body = {});

    bool connected() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// One request on a fresh connection.
https_response https_request(std::uint16_t port, const std::string& ca_file, const std::string& host,
                             std::string_view method, std::string_view target, const header_list& headers = {},
                             std::string_view body = {}, const https_options& opts = {});

}  // namespace litmus::test

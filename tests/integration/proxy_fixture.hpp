#pragma once
// What integration tests share: the proxy running in-process against a fake
// Litmus, and a small plain-HTTP client playing the application.

#include "proxy/config/config.hpp"
#include "proxy/core/net.hpp"
#include "proxy/proxy_app.hpp"
#include "tests/support/fake_litmus.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace litmus::test {

using header_pairs = std::vector<std::pair<std::string, std::string>>;

struct http_reply {
    unsigned status = 0;  ///< 0: no response (see error)
    std::string body;
    header_pairs headers;
    std::string error;
    std::string header(std::string_view name) const;  ///< first match, case-insensitive; "" if absent
    std::size_t count(std::string_view name) const;
    json::value json() const;  ///< throws when the body is not JSON
};

/// A keep-alive HTTP/1.1 client connection to 127.0.0.1:port. Every call is
/// bounded by `timeout`. Not thread-safe: one per thread.
class http_client {
public:
    explicit http_client(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~http_client();
    http_reply request(http::verb method, std::string_view target, const header_pairs& headers = {},
                       std::string_view body = {});
    /// Sends raw bytes and reads one response (for malformed-request tests).
    http_reply raw(std::string_view bytes);

private:
    http_reply read_reply(beast::tcp_stream& s);
    net::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::uint16_t port_;
    std::chrono::milliseconds timeout_;
    bool connected_ = false;
};

/// One request on a fresh connection.
http_reply http_once(std::uint16_t port, http::verb method, std::string_view target,
                     const header_pairs& headers = {}, std::string_view body = {});

/// One request of a paced_requests() run.
struct load_sample {
    std::chrono::steady_clock::time_point sent;   ///< just before the request was written
    std::chrono::steady_clock::duration latency;  ///< from `sent` until the whole response was read
    http_reply reply;
};

/// What a paced_requests() run saw, in sending order.
struct load_result {
    std::vector<load_sample> samples;
    std::size_t count(unsigned status) const;          ///< replies with this status (0: no response)
    std::map<unsigned, std::size_t> statuses() const;  ///< status -> number of replies
    std::chrono::steady_clock::duration max_latency() const;
};

/// The workload of the time-window tests: GET `target` on one keep-alive
/// connection, starting one request every `interval` (a slow reply delays the
/// next one; requests never overlap), until `limit` has passed or `stop`
/// returns true. `stop` sees the samples so far and is asked after every reply.
load_result paced_requests(std::uint16_t port, std::string_view target, std::chrono::milliseconds interval,
                           std::chrono::milliseconds limit,
                           const std::function<bool(const load_result&)>& stop = {});

/// Waits until the proxy holds a token: GETs `target` every 20 ms until one
/// answers 200. False when none did within `limit`.
bool await_ok(std::uint16_t port, std::string_view target, std::chrono::milliseconds limit);

/// A TCP relay on 127.0.0.1 in front of 127.0.0.1:`target_port`, to decide
/// when connections get through. Open, it relays bytes both ways unchanged;
/// after hold(), new connections are accepted and counted but nothing is
/// relayed for them until open(). Runs on its own thread; members are
/// thread-safe.
class tcp_gate {
public:
    explicit tcp_gate(std::uint16_t target_port);
    ~tcp_gate();  ///< closes everything, joins
    std::string endpoint() const;  ///< "127.0.0.1:<port>"
    void hold();
    void open();  ///< relays the held connections and every later one
    std::size_t held() const;  ///< connections waiting for open()
    /// Block until held() >= n (or the timeout); true if reached.
    bool wait_for_held(std::size_t n, std::chrono::milliseconds timeout) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// YAML that points every connection of the proxy at `fake` while keeping the
/// real Litmus names (connect overrides + the fake's CA), both listeners on
/// port 0. `extra` is appended verbatim (top-level keys such as `token:` or
/// `admin:` must not repeat).
std::string yaml_for(const fake::fake_litmus& fake, std::string_view token_extra = "",
                     std::string_view extra = "");

/// Credentials matching fake_options' defaults.
std::map<std::string, std::string> test_credentials_env();

/// The proxy, in-process, with its own io_context on its own thread. Build
/// it after the fake; destroy it before (members in that order). The
/// destructor drains it as SIGTERM would and joins. Applies the config's
/// log.level, as main() does; LITMUS_PROXY_LOG_LEVEL from the test's own
/// environment reaches the config when `env` does not name it (how the
/// no-secrets check runs the whole suite at debug level).
class running_proxy {
public:
    explicit running_proxy(const std::string& yaml,
                           std::map<std::string, std::string> env = test_credentials_env());
    ~running_proxy();

    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t admin_port() const noexcept { return admin_port_; }
    proxy_app& app() { return *app_; }
    const config::proxy_config& config() const noexcept { return cfg_; }
    const token::credential_source& credentials() const { return app_->credentials(); }
    /// Runs `f` on the proxy's thread and waits for it (state that is not thread-safe).
    void run_on_proxy(const std::function<void()>& f);

private:
    config::proxy_config cfg_;
    net::io_context ioc_{1};
    std::unique_ptr<proxy_app> app_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    std::uint16_t admin_port_ = 0;
};

/// Counter value helper for prometheus counters and histograms.
double value_of(prometheus::Counter& c);

/// Upstream 401s the proxy replayed with a fresh token, whatever followed
/// (every outcome of litmus_proxy_unauthorized_retries_total but not_retried).
double unauthorized_retries(running_proxy& proxy);

}  // namespace litmus::test

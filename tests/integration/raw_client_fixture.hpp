#pragma once
// A raw TCP client for hostile-input and shutdown tests: it writes exactly the
// bytes it is given (no framing of its own), reads while it writes (so an
// early answer or close from the proxy is seen, not lost in a write error),
// parses whatever responses come back, and reports whether and how the peer
// closed. Everything is bounded by a deadline; nothing sleeps.

#include "tests/integration/proxy_fixture.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace litmus::test {

/// One parsed response (interim 1xx ones included).
struct raw_response {
    unsigned status = 0;
    header_pairs headers;
    std::string body;
    std::string header(std::string_view name) const;  ///< first match, case-insensitive; "" if absent
    std::size_t count(std::string_view name) const;
    bool interim() const noexcept { return status >= 100 && status < 200; }
};

/// A client connection to 127.0.0.1:port. Not thread-safe: one per thread.
/// The destructor closes the socket.
class raw_connection {
public:
    /// Connects, bounded by `timeout`; check connected() / connect_error().
    explicit raw_connection(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(2));
    ~raw_connection();
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    bool connected() const noexcept { return fd_ >= 0 && connect_error_.empty(); }
    const std::string& connect_error() const noexcept { return connect_error_; }

    /// Writes all of `bytes`, reading whatever arrives meanwhile. False when
    /// the peer closed or reset before everything was written (see
    /// write_error()) or the timeout passed.
    bool write(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(3));
    /// Half-closes (FIN): the peer sees end of input once it has read everything.
    void shutdown_write();
    /// Reads until `n` final (non-1xx) responses have arrived in total, the
    /// peer closed, or the timeout passed. True when there are n.
    bool await_final_responses(std::size_t n, std::chrono::milliseconds timeout);
    /// Reads until the peer closes (EOF or reset) or the timeout passes;
    /// true when it closed. Bytes that arrive meanwhile are parsed.
    bool await_close(std::chrono::milliseconds timeout);

    const std::vector<raw_response>& responses() const noexcept { return responses_; }  ///< all, in order
    std::vector<unsigned> final_statuses() const;
    std::size_t final_count() const;
    const std::string& received() const noexcept { return received_; }
    bool closed() const noexcept { return closed_; }  ///< EOF or reset seen
    bool reset() const noexcept { return reset_; }    ///< the close was a reset
    bool half_closed() const noexcept { return half_closed_; }
    const std::string& write_error() const noexcept { return write_error_; }
    /// Bytes after the last complete response that do not parse as (the start of) one.
    const std::string& parse_error() const noexcept { return parse_error_; }
    /// One line for failure messages: statuses, close state, errors, a prefix of the bytes.
    std::string describe() const;

private:
    // One poll/read step, at most until `deadline`; false on timeout or close.
    bool read_some(std::chrono::steady_clock::time_point deadline);
    void reparse();

    int fd_ = -1;
    std::string connect_error_;
    std::string received_;
    std::vector<raw_response> responses_;
    std::string parse_error_;
    std::string write_error_;
    bool closed_ = false;
    bool reset_ = false;
    bool half_closed_ = false;
};

/// `s` with control and non-ASCII bytes escaped (\r \n \xNN), cut to `max`
/// characters, for failure messages.
std::string printable(std::string_view s, std::size_t max = 160);

}  // namespace litmus::test

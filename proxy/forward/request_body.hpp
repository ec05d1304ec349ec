#pragma once
// The client's request as the forwarder sends it upstream: either buffered
// (the whole body already read, so the request can be sent again after a 401
// or a stale pooled connection) or streamed (pumped from the client as it
// arrives, sent once). The forwarder runs the same steps for both and asks
// replayable() where they differ.

#include "proxy/core/deadline_stream.hpp"
#include "proxy/core/net.hpp"
#include "proxy/upstream/upstream_connection.hpp"

#include <variant>

namespace litmus::forward {

struct send_result {
    error_code client_error;    ///< reading the body from the client failed (streamed only)
    error_code upstream_error;  ///< writing to the upstream failed
};

/// Not thread-safe: the session's executor. Refers to the session's parser,
/// stream and buffer, which must outlive it.
class request_body {
public:
    /// `req` holds the whole body (Content-Length up to downstream.replay_limit).
    explicit request_body(http::request<http::string_body>& req);

    /// `parser` has read the header only; the body is read from `downstream`
    /// (through `buffer`) while it is written upstream, each read bounded by
    /// `read_timeout`.
    request_body(http::request_parser<http::buffer_body>& parser, client_stream& downstream,
                 beast::flat_buffer& buffer, std::chrono::milliseconds read_timeout);

    /// The header to rewrite before sending.
    http::request_header<>& header() noexcept;

    /// The client asked to keep its connection (read before the header is
    /// rewritten, which removes Connection).
    bool client_keep_alive() const noexcept { return client_keep_alive_; }

    /// The request can be sent again, byte for byte.
    bool replayable() const noexcept { return std::holds_alternative<buffered>(body_); }

    /// The client's body has been read to its end, so the client connection
    /// is at a message boundary and may carry another request.
    bool consumed() const noexcept;

    /// Body bytes received from the client so far: the whole buffered body,
    /// or what send() has streamed.
    std::uint64_t bytes_received() const noexcept;

    /// Sets the framing headers for what will be sent (Content-Length of a
    /// buffered body, chunked for a chunked stream). Call after the header
    /// edits and before send().
    void prepare_framing();

    /// Writes the request (header and body) to `conn`, each write bounded by
    /// `write_timeout`. Cancellation: the pending operation fails.
    net::awaitable<send_result> send(upstream::upstream_connection& conn, std::chrono::milliseconds write_timeout);

private:
    struct buffered {
        http::request<http::string_body>* req;
    };
    struct streamed {
        http::request_parser<http::buffer_body>* parser;
        client_stream* downstream;
        beast::flat_buffer* buffer;
        std::chrono::milliseconds read_timeout;
        bool chunked;
        std::uint64_t bytes_read = 0;
        bool body_read = false;  ///< send() read the body to its end (the pump bypasses the parser)
    };
    std::variant<buffered, streamed> body_;
    bool client_keep_alive_;
};

}  // namespace litmus::forward

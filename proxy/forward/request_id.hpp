#pragma once
// Every request has an id: the client's own X-Request-Id when it is
// well-formed, else one the proxy makes up. It is written in the access line,
// sent upstream and returned to the client in X-Request-Id (local replies
// included), so that an application, the proxy's log and Litmus can name
// the same request.

#include "proxy/core/net.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace litmus::forward {

/// The header field that carries the id, both ways.
inline constexpr std::string_view request_id_field = "X-Request-Id";

/// True for an id the proxy takes from a client as is: 1 to 64 characters
/// of [A-Za-z0-9._:-]. That covers UUIDs, hex and most tracing ids, and
/// nothing that could break a log line or a header, or smuggle a client's
/// text (or a token pasted by mistake) into the log.
bool is_well_formed_request_id(std::string_view v) noexcept;

/// An id held in place, without allocating. Copyable; the view lives as long
/// as the object.
class request_id {
public:
    static constexpr std::size_t max_size = 64;

    std::string_view view() const noexcept { return {chars_.data(), size_}; }

private:
    friend class request_id_source;
    std::array<char, max_size> chars_{};
    std::uint8_t size_ = 0;
};

/// Hands out request ids. Generated ids are 16 lower-case hex digits from a
/// SplitMix64 sequence seeded once per source: no system call per request,
/// and no repeat within a process (the sequence is a permutation of 2^64
/// values). Not thread-safe: one per proxy, used on its io_context thread.
class request_id_source {
public:
    /// Seeded from std::random_device, so that two proxies writing to the
    /// same log pipeline do not hand out the same ids.
    request_id_source();
    explicit request_id_source(std::uint64_t seed) noexcept : state_(seed) {}

    /// The client's id when `f` holds exactly one X-Request-Id field and it
    /// is well-formed; a generated id otherwise (missing, repeated,
    /// malformed or too long).
    request_id for_request(const http::fields& f) noexcept;

    request_id generate() noexcept;

private:
    std::uint64_t state_;
};

}  // namespace litmus::forward

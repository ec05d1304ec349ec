#pragma once
// gzip (RFC 1952) for the fake Litmus, which compresses its answers the way
// a real server does when asked, so tests can see what a proxy passes on.

#include <string>
#include <string_view>

namespace litmus::fake {

/// `data` as a complete gzip member: header, raw deflate (Beast's zlib
/// port), CRC-32 and size.
std::string gzip_encode(std::string_view data);

}  // namespace litmus::fake

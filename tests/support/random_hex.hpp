#pragma once
// Unguessable strings for the fake Litmus: tokens, authorization codes, nonces.

#include <cstddef>
#include <string>

namespace litmus::fake {

/// `bytes` bytes from OpenSSL's CSPRNG as 2*bytes lowercase hex digits.
/// Throws std::runtime_error when the generator fails. Thread-safe.
std::string random_hex(std::size_t bytes);

}  // namespace litmus::fake

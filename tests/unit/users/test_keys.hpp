#pragma once
// Fixed keys for the user store tests (never used outside tests).

#include "proxy/config/config.hpp"

namespace litmus::users::test_keys {

/// 32 bytes, each `b`.
inline config::store_key filled_with(std::uint8_t b)
{
    config::store_key k;
    k.fill(b);
    return k;
}

}  // namespace litmus::users::test_keys

#include "proxy/users/stored_tokens.hpp"

#include "proxy/core/log.hpp"

#include <openssl/crypto.h>

#include <chrono>

namespace litmus::users {

std::int64_t system_wall_seconds()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

void cleanse(std::string& s)
{
    OPENSSL_cleanse(s.data(), s.size());
}

sealed_tokens seal_tokens(const token_cipher& cipher, const user_record& r)
{
    return {cipher.encrypt(r.access_token, r.user), cipher.encrypt(r.refresh_token, r.user)};
}

store_result<std::optional<user_record>> open_tokens(const token_cipher& cipher, user_record r,
                                                     std::string_view access, std::string_view refresh,
                                                     std::string_view store)
{
    auto opened_access = cipher.decrypt(access, r.user);
    auto opened_refresh = cipher.decrypt(refresh, r.user);
    if (!opened_access || !opened_refresh) {
        log::warn("user_store_row_unreadable",
                  {{"store", store},
                   {"user", r.user},
                   {"reason", describe(!opened_access ? opened_access.error() : opened_refresh.error())}});
        return make_error_code(store_errc::record_unreadable);
    }
    r.access_token = std::move(opened_access->plaintext);
    r.refresh_token = std::move(opened_refresh->plaintext);
    r.read_under_old_key = opened_access->under_old_key || opened_refresh->under_old_key;
    return std::optional<user_record>(std::move(r));
}

}  // namespace litmus::users

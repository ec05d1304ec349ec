#include "proxy/users/make_user_store.hpp"

#include "proxy/users/postgres_user_store.hpp"
#include "proxy/users/sqlite_user_store.hpp"
#include "proxy/users/token_cipher.hpp"

#include <stdexcept>

namespace litmus::users {

std::unique_ptr<user_store> make_user_store(const config::users_config& cfg)
{
    if (!cfg.key)
        throw std::logic_error("make_user_store: users.key is not resolved");
    auto cipher = std::make_shared<const token_cipher>(*cfg.key, cfg.old_key);
    switch (cfg.store_location.type) {
    case config::user_store_location::kind::sqlite: {
        sqlite_store_options options;
        options.path = cfg.store_location.target;
        return std::make_unique<sqlite_user_store>(std::move(options), std::move(cipher));
    }
    case config::user_store_location::kind::postgres: {
        postgres_store_options options;
        options.uri = cfg.store_location.target;
        return std::make_unique<postgres_user_store>(std::move(options), std::move(cipher));
    }
    }
    throw std::logic_error("make_user_store: unknown store kind");
}

}  // namespace litmus::users

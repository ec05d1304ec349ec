#include "proxy/users/store_error.hpp"

#include <string>

namespace litmus::users {

std::string_view name_of(store_errc e) noexcept
{
    switch (e) {
    case store_errc::unavailable: return "store_unavailable";
    case store_errc::record_unreadable: return "store_record_unreadable";
    case store_errc::cancelled: return "store_cancelled";
    }
    return "store_error";
}

const boost::system::error_category& store_category() noexcept
{
    struct category final : boost::system::error_category {
        const char* name() const noexcept override { return "litmus.user_store"; }
        std::string message(int ev) const override { return std::string(name_of(static_cast<store_errc>(ev))); }
    };
    static const category instance;
    return instance;
}

}  // namespace litmus::users

#include "proxy/users/user_status.hpp"

#include "proxy/users/litmus_identity.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace litmus::users {

std::int64_t access_expires_in(const user_record& record, std::int64_t now)
{
    return std::max<std::int64_t>(0, record.access_expires_at - now);
}

bool is_connected(const user_record& record, std::int64_t now)
{
    if (record.reauthorization_required)
        return false;
    return (!record.access_token.empty() && access_expires_in(record, now) > 0) || !record.refresh_token.empty();
}

std::string user_status_answer(const user_record& record, std::int64_t now)
{
    boost::json::object o;
    o["user"] = record.user;
    o["connected"] = is_connected(record, now);
    o["litmus_user"] = to_json(litmus_identity{record.litmus_user_id, record.full_name});
    o["reauthorization_required"] = record.reauthorization_required;
    o["expires_in"] = access_expires_in(record, now);
    return boost::json::serialize(o);
}

}  // namespace litmus::users

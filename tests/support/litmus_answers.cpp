#include "tests/support/litmus_answers.hpp"

#include <string>

namespace litmus::fake {

json::object ping_answer(std::string_view token, std::optional<std::int64_t> expires_in_seconds,
                         std::string_view application_uid)
{
    json::value expires = nullptr;
    if (expires_in_seconds)
        expires = *expires_in_seconds;
    return json::object{
        {"meta", json::object{{"ping", "pong"},
                              {"accessToken", json::object{{"token", token},
                                                           {"expiresInSeconds", expires},
                                                           {"scopes", json::array{"full"}}}},
                              {"application", json::object{{"name", application_name}, {"uid", application_uid}}}}}};
}

json::object current_user_answer(std::int64_t id, std::string_view first_name, std::string_view last_name,
                                 std::string_view email)
{
    return json::object{{"user", json::object{{"id", id},
                                              {"full_name", std::string(first_name) + " " + std::string(last_name)},
                                              {"first_name", first_name},
                                              {"last_name", last_name},
                                              {"email", email}}}};
}

json::object clients_answer(std::int64_t user_id)
{
    json::array clients;
    for (std::string_view code : {"APPMAIL5", "OL2019", "GMAILNEW", "IPHONE13"})
        clients.push_back(json::object{{"code", code}});
    return json::object{{"clients", std::move(clients)}, {"user_id", user_id}};
}

json::object configuration_url_answer(std::string_view nonce, std::int64_t user_id)
{
    return json::object{{"configuration_url", "https://litmus.com/ensured_user/" + std::string(nonce)},
                        {"user_id", user_id}};
}

json::object email_answer(std::string_view email_guid) { return json::object{{"email_guid", email_guid}}; }

json::object emails_answer(const std::vector<std::string>& email_guids, std::int64_t user_id)
{
    json::array emails;
    for (const std::string& guid : email_guids)
        emails.push_back(json::object{{"email_guid", guid}});
    return json::object{{"emails", std::move(emails)}, {"user_id", user_id}};
}

}  // namespace litmus::fake

#include "proxy/config/credentials.hpp"

#include "proxy/config/file_content.hpp"

#include <sys/stat.h>

#include <cerrno>

namespace litmus::config {

namespace {

// A credential file holds one value; anything bigger is the wrong file (and is
// not worth holding in memory).
constexpr std::size_t max_credential_file_size = 64 * 1024;

std::string trim_trailing_space(std::string s)
{
    auto end = s.find_last_not_of(" \t\r\n\v\f");
    s.erase(end == std::string::npos ? 0 : end + 1);
    return s;
}

credential_problem problem(bool in_environment, std::string_view name, std::string message)
{
    return {in_environment, std::string(name), std::move(message)};
}

// systemd's LoadCredential=NAME:PATH copies PATH to
// $CREDENTIALS_DIRECTORY/NAME at start. No such file means the unit does not
// load this credential, which is not an error here (the caller reports a
// credential that no source gives).
boost::system::result<std::optional<resolved_credential>, credential_problem>
from_credentials_directory(const credential_names& names, const env_lookup& env)
{
    using found = std::optional<resolved_credential>;
    auto directory = env_value_of(env, credentials_directory_env);
    if (!directory)
        return found();
    auto path = *directory + "/" + std::string(names.systemd);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
        return found();
    auto v = read_credential_file(path);
    if (!v)
        return problem(true, credentials_directory_env, v.error().message);
    return found(resolved_credential{std::move(*v), path});
}

}  // namespace

value_result<std::string> read_credential_file(const std::string& path)
{
    auto content = read_whole_file(path, max_credential_file_size);
    if (content.error != 0)
        return value_error{"cannot read " + quoted(path) + ": " + error_text(content.error)};
    if (content.too_large)
        return value_error{quoted(path) + " is larger than " + format_size(max_credential_file_size) +
                           "; it should hold only the credential"};
    auto value = trim_trailing_space(std::move(content.data));
    if (value.empty())
        return value_error{quoted(path) + " is empty"};
    return value_result<std::string>(boost::system::in_place_value, std::move(value));
}

boost::system::result<std::optional<resolved_credential>, credential_problem>
resolve_credential(const credential_names& names, const credential_setting& setting, const env_lookup& env)
{
    using found = std::optional<resolved_credential>;
    const bool in_config = false, in_environment = true;
    if (setting.value && setting.file)
        return problem(in_config, names.file_key,
                       "give either " + std::string(names.key) + " or " + std::string(names.file_key) + ", not both");
    if (setting.value)
        return found(resolved_credential{*setting.value, ""});
    if (setting.file) {
        auto v = read_credential_file(*setting.file);
        if (!v)
            return problem(in_config, names.file_key, v.error().message);
        return found(resolved_credential{std::move(*v), *setting.file});
    }
    auto env_value = env_value_of(env, names.env);
    auto env_file = env_value_of(env, names.env_file);
    if (env_value && env_file)
        return problem(in_environment, names.env_file,
                       "set either " + std::string(names.env) + " or " + std::string(names.env_file) + ", not both");
    if (env_value)
        return found(resolved_credential{std::move(*env_value), ""});
    if (env_file) {
        auto v = read_credential_file(*env_file);
        if (!v)
            return problem(in_environment, names.env_file, v.error().message);
        return found(resolved_credential{std::move(*v), *env_file});
    }
    return from_credentials_directory(names, env);
}

}  // namespace litmus::config

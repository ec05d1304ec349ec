#pragma once
// The client id and secret: which source gives each one (the config's value,
// its *_file, LITMUS_CLIENT_*, LITMUS_CLIENT_*_FILE, systemd's
// $CREDENTIALS_DIRECTORY) and reading a credential file. Used by the loader
// at start and by the token credential source when a file is re-read on
// rotation. Messages name keys, variables and paths, never
// a credential's value or a file's content. Thread-safe if `env` is.

#include "proxy/config/config_loader.hpp"
#include "proxy/config/config_values.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace litmus::config {

/// The names one credential goes by.
struct credential_names {
    std::string_view what;      ///< "client id"
    std::string_view key;       ///< "credentials.client_id"
    std::string_view file_key;  ///< "credentials.client_id_file"
    std::string_view env;       ///< "LITMUS_CLIENT_ID"
    std::string_view env_file;  ///< "LITMUS_CLIENT_ID_FILE"
    std::string_view systemd;   ///< "client_id": its file in $CREDENTIALS_DIRECTORY
};

inline constexpr credential_names client_id_names{"client id",
                                                  "credentials.client_id",
                                                  "credentials.client_id_file",
                                                  "LITMUS_CLIENT_ID",
                                                  "LITMUS_CLIENT_ID_FILE",
                                                  "client_id"};
inline constexpr credential_names client_secret_names{"client secret",
                                                      "credentials.client_secret",
                                                      "credentials.client_secret_file",
                                                      "LITMUS_CLIENT_SECRET",
                                                      "LITMUS_CLIENT_SECRET_FILE",
                                                      "client_secret"};

/// Set by systemd for a unit with LoadCredential= / LoadCredentialEncrypted=:
/// a private directory holding one file per credential, readable by the
/// service's user only.
inline constexpr std::string_view credentials_directory_env = "CREDENTIALS_DIRECTORY";

/// One credential as the config file gives it; an empty value counts as absent.
struct credential_setting {
    std::optional<std::string> value;
    std::optional<std::string> file;
};

/// A credential and the file it was read from ("" when given directly).
struct resolved_credential {
    std::string value;
    std::string file;
};

/// Why a credential cannot be resolved. `in_environment`: `name` is the
/// environment variable to blame; else it is the config key (always the
/// credential's *_file key).
struct credential_problem {
    bool in_environment = false;
    std::string name;
    std::string message;
};

/// The credential from the first source that gives it: the config's value,
/// the config's file, the environment variable, the environment's file, the
/// file `names.systemd` in $CREDENTIALS_DIRECTORY (absent there: not given,
/// since a unit may load only one of the two). nullopt when none does. Giving
/// both a value and a file at the same level is a problem, as is a file that
/// cannot be read or is empty.
boost::system::result<std::optional<resolved_credential>, credential_problem>
resolve_credential(const credential_names& names, const credential_setting& setting, const env_lookup& env);

/// A credential file's content with trailing whitespace trimmed, or why it is
/// unusable: "cannot read 'PATH': REASON", "'PATH' is larger than 64KiB; it
/// should hold only the credential", "'PATH' is empty".
value_result<std::string> read_credential_file(const std::string& path);

}  // namespace litmus::config

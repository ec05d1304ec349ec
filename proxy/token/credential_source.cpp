#include "proxy/token/credential_source.hpp"

#include "proxy/config/credentials.hpp"
#include "proxy/core/log.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace litmus::token {

bool credential_source::file_identity::operator==(const file_identity& o) const noexcept
{
    return error == o.error && device == o.device && inode == o.inode && size == o.size &&
           mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
}

credential_source::credential_source(const config::credentials_config& initial)
    : current_(std::make_shared<const client_credentials>(
          client_credentials{initial.client_id, initial.client_secret}))
{
    auto watch = [&](std::string credential, const std::string& path, std::string client_credentials::* member) {
        if (path.empty())
            return;
        watched_file f{std::move(credential), path, member, {}, false};
        mode_t mode = 0;
        f.last = identify(path, &mode);
        if (f.last.error == 0)
            check_permissions(f, mode);
        files_.push_back(std::move(f));
    };
    watch("client_id", initial.client_id_file, &client_credentials::client_id);
    watch("client_secret", initial.client_secret_file, &client_credentials::client_secret);
}

std::shared_ptr<const client_credentials> credential_source::current() const
{
    std::lock_guard lock(mutex_);
    return current_;
}

void credential_source::rescan(rescan_mode m)
{
    std::lock_guard lock(mutex_);
    for (auto& f : files_) {
        mode_t file_mode = 0;
        auto now = identify(f.path, &file_mode);
        if (now == f.last && m == rescan_mode::if_changed)
            continue;
        f.last = now;
        if (now.error == 0)
            check_permissions(f, file_mode);
        reread(f);
    }
}

credential_source::file_identity credential_source::identify(const std::string& path, mode_t* mode_out)
{
    file_identity id;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        id.error = errno;
        return id;
    }
    id.device = st.st_dev;
    id.inode = st.st_ino;
    id.size = st.st_size;
    id.mtime = st.st_mtim;
    *mode_out = st.st_mode;
    return id;
}

// Expects mutex_ held.
void credential_source::check_permissions(watched_file& f, mode_t mode)
{
    if (f.permissions_warned || (mode & (S_IRWXG | S_IRWXO)) == 0)
        return;
    f.permissions_warned = true;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
    log::warn("credential_file_permissions",
              {{"credential", f.credential},
               {"path", f.path},
               {"mode", octal},
               {"note", "readable by group or others; make it 0400 or 0600 (Kubernetes: defaultMode: 0400)"}});
}

// Expects mutex_ held.
void credential_source::reread(watched_file& f)
{
    auto value = config::read_credential_file(f.path);
    if (!value) {
        // The message names the path and the cause, never the content.
        log::warn("credential_file_unusable",
                  {{"credential", f.credential}, {"path", f.path}, {"error", value.error().message},
                   {"action", "keeping the previous value"}});
        return;
    }
    if (*value == (*current_).*f.member) {
        log::debug("credential_unchanged", {{"credential", f.credential}, {"path", f.path}});
        return;
    }
    auto next = std::make_shared<client_credentials>(*current_);
    (*next).*f.member = std::move(*value);
    current_ = std::move(next);
    log::info("credentials_reloaded", {{"credential", f.credential}, {"path", f.path}});
}

}  // namespace litmus::token

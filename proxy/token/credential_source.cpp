#include "proxy/token/credential_source.hpp"

#include "proxy/config/credentials.hpp"
#include "proxy/core/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
        struct stat st {};
        f.last = identify(path, &st);
        if (f.last.error == 0)
            check_permissions(f, st);
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
        struct stat st {};
        auto now = identify(f.path, &st);
        if (now == f.last && m == rescan_mode::if_changed)
            continue;
        f.last = now;
        if (now.error == 0)
            check_permissions(f, st);
        reread(f);
    }
}

credential_source::file_identity credential_source::identify(const std::string& path, struct stat* st)
{
    file_identity id;
    if (::stat(path.c_str(), st) != 0) {
        id.error = errno;
        return id;
    }
    id.device = st->st_dev;
    id.inode = st->st_ino;
    id.size = st->st_size;
    id.mtime = st->st_mtim;
    return id;
}

namespace {

// Group access is no exposure when the group is root's (root reads every file
// anyway; systemd's credential files are root:root 0440 with an ACL for the
// service) or one of the proxy's own (Kubernetes' fsGroup, through which a
// non-root proxy reads a 0440 secret).
bool group_is_trusted(gid_t group)
{
    if (group == 0 || group == ::getegid())
        return true;
    gid_t groups[256];
    const int n = ::getgroups(256, groups);
    return std::find(groups, groups + std::max(n, 0), group) != groups + std::max(n, 0);
}

bool others_may_read(const struct stat& st)
{
    return (st.st_mode & S_IRWXO) != 0 || ((st.st_mode & S_IRWXG) != 0 && !group_is_trusted(st.st_gid));
}

}  // namespace

// Expects mutex_ held.
void credential_source::check_permissions(watched_file& f, const struct stat& st)
{
    if (f.permissions_warned || !others_may_read(st))
        return;
    const mode_t mode = st.st_mode;
    f.permissions_warned = true;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
    log::warn("credential_file_permissions",
              {{"credential", f.credential},
               {"path", f.path},
               {"mode", octal},
               {"note", "readable by others or by a group that is not the proxy's; make it 0400 or 0600 "
                        "(Kubernetes: defaultMode 0440 with the pod's fsGroup)"}});
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

#pragma once
// The client id and secret the token client sends, kept current: a credential
// read from a file (credentials.*_file or LITMUS_CLIENT_*_FILE) is re-read when
// the file changes, so a rotated secret is used by the next token fetch
// without a restart.

#include "proxy/config/config.hpp"

#include <sys/stat.h>
#include <sys/types.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace litmus::token {

struct client_credentials {
    std::string client_id;
    std::string client_secret;
};

/// Holds the credentials in use and re-reads their files on rescan().
///
/// A file counts as changed when what stat(2) reports for its path, following
/// symlinks, differs from the last look: device, inode, size or modification
/// time. Kubernetes updates a secret volume by pointing the `..data` symlink
/// at a new directory, so the path then leads to another inode even though
/// the link the config names never changed.
///
/// A changed file that cannot be read or is empty leaves the old value in use
/// and is logged once per change (`credential_file_unusable`). A file readable
/// by others, or by a group other than root's and the proxy's own, is logged
/// once per path (`credential_file_permissions`).
/// A new value is logged as `credentials_reloaded`. Logs name the credential
/// and the path, never the value.
///
/// Thread-safety: every member may be called from any thread.
class credential_source {
public:
    /// Starts from the values load_config() resolved, and looks at the files
    /// once (the permission warning is given here at start).
    explicit credential_source(const config::credentials_config& initial);

    /// The credentials to send now. Cheap: a shared pointer copy under a lock.
    std::shared_ptr<const client_credentials> current() const;

    enum class rescan_mode {
        if_changed,  ///< re-read a file only when stat shows a change (the periodic check)
        always,      ///< re-read every file (SIGHUP)
    };

    /// Looks at each credential file and re-reads it as `m` says.
    void rescan(rescan_mode m = rescan_mode::if_changed);

    /// True when some credential comes from a file, i.e. rescan() has work.
    bool watches_files() const noexcept { return !files_.empty(); }

private:
    /// What stat(2) says about a path; `error` != 0 when it failed.
    struct file_identity {
        int error = 0;
        dev_t device = 0;
        ino_t inode = 0;
        off_t size = 0;
        timespec mtime{};
        bool operator==(const file_identity& o) const noexcept;
    };
    struct watched_file {
        std::string credential;  ///< "client_id" or "client_secret"
        std::string path;
        std::string client_credentials::* member;
        file_identity last;
        bool permissions_warned = false;
    };

    static file_identity identify(const std::string& path, struct stat* st_out);
    void check_permissions(watched_file& f, const struct stat& st);
    void reread(watched_file& f);

    mutable std::mutex mutex_;  ///< guards everything below
    std::shared_ptr<const client_credentials> current_;
    std::vector<watched_file> files_;
};

}  // namespace litmus::token

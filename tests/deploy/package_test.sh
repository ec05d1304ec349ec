#!/usr/bin/env bash
# The Debian package (deploy/debian/package.cmake), built by cpack from this
# build tree into a scratch directory:
#  1. named litmus-proxy_<version>_<arch>.deb, with the control fields the
#     README promises; Depends holds ca-certificates and, for every shared
#     library the binary needs, the package that ships it (as computed by
#     dpkg-shlibdeps); /etc/litmus-proxy/config.yaml is a conffile; the
#     maintainer scripts neither enable nor start the service;
#  2. exactly the expected files (none missing, none extra), owned by root,
#     with their modes, and the binary stripped;
#  3. installed by dpkg into a scratch root (see install_into below): the
#     layout, the installed binary's --version and --check-config on the
#     shipped config, the unit's ExecStart naming the installed binary and
#     config; a local edit of the config survives reinstalling the package,
#     and removing it keeps the config while the rest goes.
# Works as root and not: nothing is written outside the scratch directory.
# Usage: package_test.sh BUILD_DIR PROJECT_VERSION
set -euo pipefail

build=$(realpath "$1")
version=$2
package=litmus-proxy
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# --- 1. build and control fields ---------------------------------------------------
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.out" 2>&1; then
  cat "$work/cpack.out" >&2
  echo "FAIL: cpack -G DEB" >&2
  exit 1
fi
deb=$work/out/${package}_${version}_${arch}.deb
if [[ ! -f "$deb" ]]; then
  ls "$work/out" >&2
  echo "FAIL: cpack made no ${deb##*/}" >&2
  exit 1
fi
ok "${deb##*/}: $(stat -c %s "$deb") bytes"

field() { dpkg-deb --field "$deb" "$1"; }
expect_field() { # NAME VALUE
  local got
  got=$(field "$1")
  [[ "$got" == "$2" ]] && ok "$1: $got" || fail "$1 is '$got', expected '$2'"
}
expect_field Package "$package"
expect_field Version "$version"
expect_field Architecture "$arch"
expect_field Section net
[[ "$(field Maintainer)" == *'<'*'@'*'>' ]] || fail "Maintainer '$(field Maintainer)' is not 'Name <address>'"
[[ -n "$(field Description)" ]] || fail "no Description"

depends=$(field Depends)
echo "    Depends: $depends"
# Package names alone, one a line: "libssl3 (>= 3.0.0), libc6" -> libssl3, libc6.
depends_names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*)//; s/ //g' | sort -u)
depends_on() { grep -qx "$1" <<<"$depends_names"; }
depends_on ca-certificates || fail "Depends lacks ca-certificates"
# What this binary is known to link (any build of it).
for p in libc6 libstdc++6 libssl3 libyaml-cpp0.7 \
  libboost-json1.81.0 libboost-url1.81.0 libprometheus-cpp-core1.0; do
  depends_on "$p" || fail "Depends lacks $p"
done
# The systemd protocols are spoken without libsystemd (proxy/core/sd_daemon).
depends_on libsystemd0 && fail "Depends names libsystemd0"
# libpq is loaded by the PostgreSQL store only when configured: recommended,
# not a dependency (and not linked: see the NEEDED check below).
expect_field Recommends libpq5
depends_on libpq5 && fail "Depends names libpq5"

# --- 2. contents -----------------------------------------------------------------
# dpkg-deb --contents: "mode owner/group size date time ./path".
dpkg-deb --contents "$deb" >"$work/contents"
awk '$1 !~ /^d/ { print $6 }' "$work/contents" | sort >"$work/files"
sort >"$work/expected" <<'EOF'
./etc/litmus-proxy/config.yaml
./lib/systemd/system/litmus-proxy.service
./lib/systemd/system/litmus-proxy.socket
./usr/bin/litmus-proxy
./usr/share/doc/litmus-proxy/README.md
./usr/share/doc/litmus-proxy/litmus-proxy.example.yaml
EOF
if diff -u "$work/expected" "$work/files" >"$work/files.diff"; then
  ok "the package holds exactly the $(wc -l <"$work/expected") expected files"
else
  sed 's/^/    /' "$work/files.diff" >&2
  fail "package contents differ from the expected list (- missing, + extra)"
fi
awk '$2 != "root/root" { print "    " $0 }' "$work/contents" | grep . >&2 && fail "entries not owned by root/root"
mode_of() { awk -v p="$1" '$6 == p { print $1 }' "$work/contents"; }
[[ "$(mode_of ./usr/bin/litmus-proxy)" == -rwxr-xr-x ]] || fail "/usr/bin/litmus-proxy mode $(mode_of ./usr/bin/litmus-proxy)"
for f in ./etc/litmus-proxy/config.yaml ./lib/systemd/system/litmus-proxy.service \
  ./lib/systemd/system/litmus-proxy.socket; do
  [[ "$(mode_of "$f")" == -rw-r--r-- ]] || fail "$f mode $(mode_of "$f")"
done

# Every shared library the binary needs is provided by a package in Depends,
# so Depends is complete, not just the list above.
dpkg-deb --extract "$deb" "$work/extracted"
binary=$work/extracted/usr/bin/litmus-proxy
if readelf --sections "$binary" | grep -q '\.symtab'; then
  fail "/usr/bin/litmus-proxy is not stripped"
else
  ok "/usr/bin/litmus-proxy is stripped"
fi
while read -r soname; do
  # "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3" (or "a, b: path").
  owners=$(dpkg-query --search "*/$soname" 2>/dev/null | awk -F': ' -v s="/$soname" '
    substr($NF, length($NF) - length(s) + 1) == s {
      n = split($1, p, ", "); for (i = 1; i <= n; i++) { sub(/:.*/, "", p[i]); print p[i] } }' | sort -u)
  if [[ -z "$owners" ]]; then
    fail "no installed package ships $soname (NEEDED by the binary)"
  elif ! grep -qxF -f <(echo "$owners") <<<"$depends_names"; then
    fail "$soname (from $(echo $owners)) is not in Depends"
  fi
done < <(readelf --dynamic "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
ok "every NEEDED library's package is in Depends"
# The PostgreSQL store's libpq (with GnuTLS, Kerberos and LDAP behind it) is
# loaded only when configured, never with every proxy.
if readelf --dynamic "$binary" | grep -q '(NEEDED).*\[libpq\.'; then
  fail "the binary links libpq: it must load it only for a PostgreSQL store"
else
  ok "libpq is not linked"
fi

[[ "$(dpkg-deb --info "$deb" conffiles)" == /etc/litmus-proxy/config.yaml ]] &&
  ok "conffiles: /etc/litmus-proxy/config.yaml" ||
  fail "conffiles is '$(dpkg-deb --info "$deb" conffiles 2>&1)', expected /etc/litmus-proxy/config.yaml"
for script in postinst postrm; do
  body=$(dpkg-deb --info "$deb" "$script") || { fail "no $script"; continue; }
  grep -Eq 'systemctl .*(enable|start|restart)' <<<"$body" && fail "$script enables or starts the service"
  grep -qF '[ -z "${DPKG_ROOT:-}" ]' <<<"$body" || fail "$script ignores DPKG_ROOT (would act on the host during the install below)"
done

# --- 3. install into a scratch root ---------------------------------------------------
# dpkg --root uses DIR as the filesystem and DIR/var/lib/dpkg as its database.
# --force-script-chrootless: run the maintainer scripts without chroot(2),
#   which needs root and a shell inside DIR; dpkg sets DPKG_ROOT=DIR for them,
#   and ours then leave the host's systemd alone.
# --force-not-root: as a normal user, files end up owned by that user.
# --force-depends: the scratch root has no libc6 etc. installed; the binary
#   runs with the host's libraries.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
scratch_dpkg() {
  dpkg --root="$root" --log=/dev/null --force-not-root --force-script-chrootless \
    --force-depends "$@" >>"$work/dpkg.out" 2>&1 || { cat "$work/dpkg.out" >&2; return 1; }
}
if ! scratch_dpkg --install "$deb"; then
  fail "dpkg --install into $root"
else
  status=$(dpkg-query --root="$root" --show --showformat='${Status}' "$package")
  [[ "$status" == "install ok installed" ]] && ok "installed into a scratch root" || fail "status '$status'"
  (cd "$root" && find . -path ./var -prune -o ! -type d -print | sort) >"$work/installed"
  diff -u "$work/expected" "$work/installed" >&2 || fail "installed files differ from the expected list"
  [[ -x "$root/usr/bin/litmus-proxy" ]] || fail "installed binary not executable"

  got=$(env -u CREDENTIALS_DIRECTORY "$root/usr/bin/litmus-proxy" --version 2>&1) || fail "--version exited non-zero"
  [[ "$got" == "litmus-proxy $version" ]] && ok "installed binary: $got" ||
    fail "--version printed '$got', expected 'litmus-proxy $version'"
  if env -u CREDENTIALS_DIRECTORY -u LITMUS_PROXY_LISTEN -u LITMUS_PROXY_ADMIN_LISTEN \
    LITMUS_CLIENT_ID=package-test-id LITMUS_CLIENT_SECRET=package-test-secret \
    "$root/usr/bin/litmus-proxy" --check-config --config "$root/etc/litmus-proxy/config.yaml" \
    >"$work/check.out" 2>&1; then
    ok "--check-config accepts the installed /etc/litmus-proxy/config.yaml"
  else
    cat "$work/check.out" >&2
    fail "--check-config rejects the installed /etc/litmus-proxy/config.yaml"
  fi

  # The unit starts what the package installed, with the config it installed.
  exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/litmus-proxy.service")
  read -r exec_binary exec_args <<<"$exec_start"
  [[ "$exec_binary" == /usr/bin/litmus-proxy && -x "$root$exec_binary" ]] ||
    fail "the unit's ExecStart runs '$exec_binary', not the packaged /usr/bin/litmus-proxy"
  [[ "$exec_args" == "--config /etc/litmus-proxy/config.yaml" && -f "$root/etc/litmus-proxy/config.yaml" ]] ||
    fail "the unit's ExecStart arguments '$exec_args' do not name the packaged config"
  [[ "$exec_binary $exec_args" == "/usr/bin/litmus-proxy --config /etc/litmus-proxy/config.yaml" ]] &&
    ok "the unit's ExecStart runs the packaged binary with the packaged config"

  # A conffile: the administrator's edit survives a reinstall (an upgrade
  # whose config did not change) and a remove; only purge deletes it.
  echo "# local edit" >>"$root/etc/litmus-proxy/config.yaml"
  if scratch_dpkg --install "$deb"; then
    grep -q '^# local edit$' "$root/etc/litmus-proxy/config.yaml" &&
      ok "reinstalling keeps the local edit of config.yaml" || fail "reinstalling lost the local edit of config.yaml"
  else
    fail "dpkg --install again"
  fi
  if scratch_dpkg --remove "$package"; then
    [[ ! -e "$root/usr/bin/litmus-proxy" && -f "$root/etc/litmus-proxy/config.yaml" ]] &&
      ok "remove deletes the binary and keeps the config" || fail "remove: binary left or config deleted"
    scratch_dpkg --purge "$package" && [[ ! -e "$root/etc/litmus-proxy/config.yaml" ]] ||
      fail "purge left /etc/litmus-proxy/config.yaml"
  else
    fail "dpkg --remove"
  fi
fi

if (( failures > 0 )); then
  echo "package_test: $failures failure(s)" >&2
  exit 1
fi
echo "package_test: passed"

#!/usr/bin/env bash
# The Dockerfile, checked without building it (deploy/scripts/image-test.sh
# builds and runs the image; it takes minutes and needs podman, so CI runs
# this instead):
#  1. the runtime stage installs a Debian package for every shared library
#     the built binary links (objdump -p NEEDED -> dpkg -S), apart from those
#     every Debian image has, and for libpq, which it loads; and nothing else
#     but ca-certificates;
#  2. its VERSION default is the project() version of CMakeLists.txt;
#  3. the user is numeric and the one deploy/kubernetes runs as; ENTRYPOINT
#     and HEALTHCHECK are in exec form (no shell); EXPOSE is the admin port of
#     the image's config;
#  4. the image's config loads, keeps the proxy listener on loopback and has
#     no credentials;
#  5. .dockerignore keeps build trees and .git out of the context.
# Usage: dockerfile_test.sh LITMUS_PROXY_BINARY [release|other]
#   "other" (a sanitizer or non-Release tree, whose binary links more than
#   the image's Release build does) skips check 1; the Release tree runs it.
# No `cmd | grep -q` / `| head`: under pipefail a reader that stops early
# fails the pipeline with SIGPIPE at random.
set -euo pipefail

binary=$(realpath "$1")
build_kind=${2:-release}
root=$(cd "$(dirname "$0")/../.." && pwd)
dockerfile=$root/Dockerfile
config=$root/deploy/container/config.yaml
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The runtime stage: from the last FROM to the end.
runtime=$(awk '/^FROM /{ stage = "" } { stage = stage $0 "\n" } END { printf "%s", stage }' "$dockerfile")
[[ $(grep -c '^FROM ' "$dockerfile") == 2 ]] || fail "expected two stages (build, runtime)"
grep -qx 'FROM debian:bookworm AS build' "$dockerfile" || fail "build stage is not FROM debian:bookworm"
[[ $(head -n 1 <<<"$runtime") == "FROM debian:bookworm-slim" ]] || fail "runtime stage is not FROM debian:bookworm-slim"

# --- 1. runtime libraries ------------------------------------------------------
if [[ $build_kind == release ]]; then
  # The runtime stage's apt-get install list: the lines after `apt-get install`
  # up to the first `&&`.
  installed=$(sed -n '/apt-get install/,/&&/p' <<<"$runtime" | tr ' \\' '\n\n' |
    grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vx -e apt-get -e install -e rm | sort -u)
  # In every Debian image (essential, or required by apt).
  in_base="libc6 libgcc-s1 libstdc++6"
  needed_packages=()
  while read -r soname; do
    path=$(ldconfig -p | awk -v s="$soname" '$1 == s && !found { print $NF; found = 1 }')
    [[ -n $path ]] || { fail "$soname (NEEDED) not found by ldconfig"; continue; }
    package=$(dpkg -S "$(realpath "$path")" 2>/dev/null | awk -F: 'NR == 1 { print $1 }') ||
      package=$(dpkg -S "$path" 2>/dev/null | awk -F: 'NR == 1 { print $1 }')
    [[ -n $package ]] || { fail "no package holds $path"; continue; }
    needed_packages+=("$package")
  done < <(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
  # Loaded with dlopen, not linked: libpq.so.5 by the PostgreSQL user store
  # (proxy/users/libpq.hpp).
  if grep -q 'libpq\.so\.5' "$binary"; then
    needed_packages+=(libpq5)
  else
    fail "the binary no longer names libpq.so.5: is the PostgreSQL store still loading it?"
  fi
  for package in $(printf '%s\n' "${needed_packages[@]}" | sort -u); do
    [[ " $in_base " == *" $package "* ]] && continue
    grep -qx "$package" <<<"$installed" || fail "the binary links a library of $package: add it to the runtime stage"
  done
  for package in $installed; do
    [[ $package == ca-certificates ]] && continue
    grep -qx "$package" <<<"$(printf '%s\n' "${needed_packages[@]}")" ||
      fail "the runtime stage installs $package, which the binary does not link"
  done
  grep -q -- '--no-install-recommends' <<<"$runtime" || fail "runtime apt-get without --no-install-recommends"
  grep -q 'rm -rf /var/lib/apt/lists/\*' <<<"$runtime" || fail "runtime stage keeps the apt lists"
  echo "runtime packages: $(tr '\n' ' ' <<<"$installed")"
else
  echo "runtime packages: not compared with this $build_kind build's libraries (the Release tree does)"
fi

# --- 2. version ------------------------------------------------------------------
project_version=$(sed -n 's/^project(litmus_proxy VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
grep -qx "ARG VERSION=$project_version" "$dockerfile" ||
  fail "ARG VERSION default is not the project version $project_version"
for label in title description version revision source licenses; do
  grep -q "org.opencontainers.image.$label=" <<<"$runtime" || fail "no org.opencontainers.image.$label label"
done

# --- 3. user, entrypoint, health check, port -------------------------------------------
kube_user=$(awk '$1 == "runAsUser:" && !u { u = $2 } END { print u }' "$root/deploy/kubernetes/base/deployment.yaml")
grep -qx "USER $kube_user:$kube_user" <<<"$runtime" || fail "USER is not $kube_user:$kube_user (deploy/kubernetes runAsUser)"
grep -qx 'ENTRYPOINT \["/usr/bin/litmus-proxy"\]' <<<"$runtime" || fail "ENTRYPOINT is not the binary in exec form"
grep -qx '  CMD \["/usr/bin/litmus-proxy", "health"\]' <<<"$runtime" || fail "HEALTHCHECK is not 'litmus-proxy health' in exec form"
grep -qx 'COPY deploy/container/config.yaml /etc/litmus-proxy/config.yaml' <<<"$runtime" ||
  fail "the image's config is not copied to /etc/litmus-proxy/config.yaml"
admin_port=$(sed -n 's/^  listen: "0\.0\.0\.0:\([0-9]*\)"$/\1/p' "$config")
[[ -n $admin_port ]] || fail "$config: admin.listen is not 0.0.0.0:PORT"
grep -qx "EXPOSE $admin_port" <<<"$runtime" || fail "EXPOSE is not the admin port $admin_port"

# --- 4. the image's config ---------------------------------------------------------------
loaded=$(env -i LITMUS_CLIENT_ID=x LITMUS_CLIENT_SECRET=y "$binary" --check-config --config "$config" 2>&1) ||
  fail "the image's config does not load: $loaded"
grep -qx 'listen: "127.0.0.1:8080"' "$config" || fail "$config: the proxy listener is not 127.0.0.1:8080"
grep -qE '^ *(credentials|client_id|client_secret)' "$config" && fail "$config: has credentials keys"

# --- 5. build context ---------------------------------------------------------------------
ignore=$root/.dockerignore
[[ $(awk '!/^#/ && NF && !first { first = $0 } END { print first }' "$ignore") == '*' ]] || fail ".dockerignore does not start by excluding everything"
grep -qE '^!(build|\.git)' "$ignore" && fail ".dockerignore lets a build tree or .git in"
# Every source of a COPY, and every file CMakeLists.txt include()s (the build
# stage configures with it), is let in by a `!PATH` line: the path or a folder
# above it, and is copied into the build stage.
included=$(sed -n 's/^!//p' "$ignore")
copies=$(awk '$1 == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' "$dockerfile")
cmake_includes=$(sed -n 's/^include(\([^)$]*\.cmake\))$/\1/p' "$root/CMakeLists.txt")
let_in() {
  local path
  for path in $2; do
    [[ $1 == "$path" || ($path == */ && $1 == "$path"*) ]] && return 0
  done
  return 1
}
for copied in $copies; do
  let_in "$copied" "$included" || fail ".dockerignore leaves out $copied, which the Dockerfile copies"
done
for file in $cmake_includes; do
  let_in "$file" "$included" || fail ".dockerignore leaves out $file, which CMakeLists.txt includes"
  let_in "$file" "$copies" || fail "the build stage does not COPY $file, which CMakeLists.txt includes"
done

if [[ $failures -ne 0 ]]; then
  echo "dockerfile_test: $failures failure(s)" >&2
  exit 1
fi
echo "dockerfile_test: passed"

#!/usr/bin/env bash
# Makes the Debian base images the Dockerfile starts from, for a machine that
# reaches Debian's package mirror but no container registry:
#   docker.io/library/debian:bookworm        (the build stage)
#   docker.io/library/debian:bookworm-slim   (the runtime stage)
# Both come from one `debootstrap --variant=minbase bookworm` root filesystem,
# imported with `podman import`. They carry the names a registry pull would
# give them, so `FROM debian:bookworm-slim` (podman resolves the short name
# `debian` to docker.io/library/debian) finds them with `--pull=never`, and the
# Dockerfile stays as it is for a normal registry. An image that already
# exists is left alone.
#
# "slim" is trimmed as Debian's official slim images are: documentation, man
# pages and translations are deleted, and a dpkg filter keeps packages
# installed later from adding them back.
#
# debootstrap needs root (it makes device nodes and chroots): run as root or
# with sudo. DEBIAN_MIRROR overrides http://deb.debian.org/debian.
set -euo pipefail

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
full=docker.io/library/debian:bookworm
slim=docker.io/library/debian:bookworm-slim

if [[ $(id -u) -ne 0 ]]; then
  echo "make-base-images: debootstrap needs root: sudo $0" >&2
  exit 1
fi
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || {
    echo "make-base-images: $tool is missing: deploy/scripts/install-deps.sh --image" >&2
    exit 1
  }
done

missing=()
for image in "$full" "$slim"; do
  podman image exists "$image" || missing+=("$image")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "make-base-images: $full and $slim exist" >&2
  exit 0
fi

work=$(mktemp -d /var/tmp/litmus-base-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

echo "make-base-images: debootstrap --variant=minbase bookworm from $mirror" >&2
nice -n 10 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  exit 1
}

# The package sources of the official image: updates and security fixes too,
# so an `apt-get install` in a build stage gets the current packages.
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# Nothing of this machine in the image: the runtime provides resolv.conf and
# hostname; package caches and logs are not part of a base image.
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/hostname"
rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/*

import() {  # DIR IMAGE
  tar --numeric-owner --xattrs -C "$1" -c . |
    podman import --quiet --change 'CMD ["bash"]' --message "debootstrap --variant=minbase bookworm" - "$2" >/dev/null
  echo "make-base-images: made $2 ($(podman image inspect --format '{{.Size}}' "$2") bytes)" >&2
}

podman image exists "$full" || import "$rootfs" "$full"

if ! podman image exists "$slim"; then
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# As Debian's official slim images: no documentation, man pages or
# translations from packages installed later (copyright files stay).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/groff/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/lintian/* "$rootfs"/usr/share/linda/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  import "$rootfs" "$slim"
fi

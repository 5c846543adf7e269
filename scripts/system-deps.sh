#!/usr/bin/env bash
# Installs the system packages dfs needs, only those missing: libfuse2 (fuse-native's
# addon links libfuse.so.2), fusermount, git (the mount tests run git in a mount), and
# python3, make and g++, with which `npm ci` builds dfs's patched FUSE addon
# (scripts/build-fuse-native.mjs). Used by `npm start`, `npm test` and .ci/run (before
# `npm ci`). DFS_SKIP_APT=1 skips it. With --test, also what only the tests use: fio (its
# verify mode runs on the mount; python3, already above, maps files for the exerciser).
#
# On Debian 12, fuse3 "Provides: fuse" and Breaks it, and ships /usr/bin/fusermount ->
# fusermount3, which mounts and unmounts libfuse2 file systems too; installing fuse over it
# would remove fuse3 and what depends on it (fuse-overlayfs, used by podman). `dpkg -s`
# exits 0 for a removed package whose config files remain, so the status is checked.
set -euo pipefail
[ "${DFS_SKIP_APT:-${DFS_CI_SKIP_APT:-}}" = 1 ] && exit 0
command -v dpkg-query >/dev/null || exit 0

pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
pkg_installed libfuse2 || missing+=(libfuse2)
if ! pkg_installed fuse && ! pkg_installed fuse3; then missing+=(fuse); fi
command -v git >/dev/null || missing+=(git)
# by command, not package: any python3 or compiler on PATH will do
for tool in python3 make g++; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${1:-}" = --test ]; then
  command -v fio >/dev/null || missing+=(fio)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "==> installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "dfs: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

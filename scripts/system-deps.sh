#!/usr/bin/env bash
# Installs the system packages dfs needs, only those missing: libfuse2 (fuse-native's
# addon links libfuse.so.2), libfuse3-3 and libfuse3-dev (dfs's low-level FUSE addon links
# libfuse3.so.3 and is compiled against its headers), fuse3 (fusermount3, and the
# fusermount that fuse-native and `dfs umount` run), git (the mount tests run git in a
# mount), and python3, make and g++, with which `npm ci` builds both addons
# (scripts/build-fuse-native.mjs). Used by `npm start`, `npm test` and .ci/run (before
# `npm ci`). DFS_SKIP_APT=1 skips it. With --test, also what only the tests use: fio (its
# verify mode runs on the mount; python3, already above, maps files for the exerciser).
#
# On Debian 12, fuse3 "Provides: fuse", Replaces and Breaks it: installing fuse3 removes
# the libfuse2 package `fuse` (never libfuse2 itself), and fuse3's /usr/bin/fusermount ->
# fusermount3 mounts and unmounts libfuse2 file systems too. `dpkg -s` exits 0 for a
# removed package whose config files remain, so the status is checked.
set -euo pipefail
[ "${DFS_SKIP_APT:-${DFS_CI_SKIP_APT:-}}" = 1 ] && exit 0
command -v dpkg-query >/dev/null || exit 0

pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for pkg in libfuse2 libfuse3-3 libfuse3-dev fuse3; do pkg_installed "$pkg" || missing+=("$pkg"); done
command -v git >/dev/null || missing+=(git)
# by command, not package: any python3 or compiler on PATH will do
for tool in python3 make g++; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${1:-}" = --test ]; then
  command -v fio >/dev/null || missing+=(fio)
  command -v setfattr >/dev/null || missing+=(attr)
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

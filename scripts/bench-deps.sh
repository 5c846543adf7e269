#!/usr/bin/env bash
# Installs what `npm run bench` needs beyond dfs's own system packages, only what is missing:
# fio (the mount workloads) and MooseFS, the bench's peer (Debian's moosefs-master,
# moosefs-chunkserver and moosefs-client, 3.0.117 on Debian 12). bench/bench.ts runs it before
# the mount section; the test suite and .ci/run never do. DFS_SKIP_APT=1 skips it.
#
# Nothing is started or configured here: the packages' own services stay off (the bench runs
# its master, chunkservers and mount in a temporary directory, on free ports of its own), and
# /etc/hosts is left alone (the bench names the master by address, so the `mfsmaster` name
# MooseFS uses by default is not needed).
set -euo pipefail
[ "${DFS_SKIP_APT:-}" = 1 ] && exit 0
command -v dpkg-query >/dev/null || { echo "bench-deps: not a Debian system; install fio and MooseFS 3 yourself" >&2; exit 1; }

pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
command -v fio >/dev/null || missing+=(fio)
for pkg in moosefs-master moosefs-chunkserver moosefs-client; do pkg_installed "$pkg" || missing+=("$pkg"); done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "==> installing ${missing[*]} for the bench" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bench-deps: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# The README's two commands, as written, each in a fresh container from the bare
# node:20-bookworm-slim base that ../shared/tools/container-engine builds (Debian 12, Node
# 20 and npm, nothing else: no compiler, no python, no libfuse), run by .ci/run.
#
#   bash .ci/readme-in-container.sh [start|test]...     (default: both)
#
# The repository goes in as a fresh clone of HEAD (committed files only, no node_modules),
# copied into the container. The container gets what the README says FUSE needs:
# --device /dev/fuse --cap-add SYS_ADMIN (and apparmor=unconfined where AppArmor is on);
# no --init, so PID 1 is the shell below, which reaps nothing it did not start.
#
#   start   `npm ci && npm start -- --mount /tmp/dfs`, in its own process group; once
#           /tmp/dfs is mounted, the README's next lines (echo/cat through the mount,
#           ./bin/dfs ls -l /, ./bin/dfs status); then Ctrl-C (SIGINT to the group), which
#           must unmount and end every dfs process (status 0, or 130 as a shell reports Ctrl-C).
#   test    `npm ci && npm test`, whose exit status is the result.
#   install `npm install -g` of the tarball `npm pack` made (in the start step's container,
#           after its checks: the prepack build), in a fresh container: `dfs --version`, then
#           `dfs up --memory --mount`, a file through the mount, read back with `dfs cat`.
#
# Prints one line per command, "ok - ..." or "not ok - ...", the last lines of its log on
# failure, and exits non-zero if any failed. With DFS_CI_TEST_TAP=FILE, the test step's TAP
# stream is copied there (.ci/run counts the suite's results from it). Engine setup: 3-4 minutes the first time on a
# machine, then seconds. Environment: DFS_CONTAINER_ENGINE_TOOL (default
# ../shared/tools/container-engine), DFS_CI_KEEP=1 keeps the clone and logs.
set -uo pipefail
cd "$(dirname "$0")/.."
# the workplace's tool, wherever this checkout sits beside it
tool=${DFS_CONTAINER_ENGINE_TOOL:-}
if [ -z "$tool" ]; then
  for t in ../shared/tools/container-engine ../../shared/tools/container-engine /work/shared/tools/container-engine "$(command -v container-engine || true)"; do
    [ -n "$t" ] && [ -f "$t" ] && { tool=$t; break; }
  done
fi
image=docker.io/library/node:20-bookworm-slim
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(start install test)

log() { printf '==> %s\n' "$*" >&2; }

if [ -z "$tool" ] || [ ! -f "$tool" ]; then
  # a machine without the tool cannot build the bare base image: nothing to run, not a failure
  echo "skip - container engine: no container-engine tool on this machine (DFS_CONTAINER_ENGINE_TOOL)"
  exit 0
fi
bash "$tool" >&2 || { echo "not ok - container engine: $tool failed"; exit 1; }
eval "$(bash "$tool" env)"

work=$(mktemp -d /tmp/dfs-readme.XXXXXX)
[ "${DFS_CI_KEEP:-}" = 1 ] || trap 'rm -rf "$work"' EXIT
git clone -q --no-local . "$work/dfs"
log "a fresh clone of $(git -C "$work/dfs" rev-parse --short HEAD) in $work/dfs"

mkdir -p "$work/out"
run_flags=(--rm --network=host --device /dev/fuse --cap-add SYS_ADMIN -v "$work/dfs:/src:ro" -v "$work/out:/out")
[ -d /sys/kernel/security/apparmor ] && run_flags+=(--security-opt apparmor=unconfined)

# The first command, and what the README says to do in another terminal while it serves.
read -r -d '' start_script <<'SH'
set -u
cp -a /src /root/dfs && cd /root/dfs || exit 1
started=$(date +%s)
setsid bash -c 'npm ci && npm start -- --mount /tmp/dfs' > /root/start.log 2>&1 < /dev/null &
pid=$!
mounted=''
for _ in $(seq 1 900); do
  if grep -qs ' /tmp/dfs fuse' /proc/mounts; then mounted=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
status=0
if [ -z "$mounted" ]; then
  echo "check: /tmp/dfs was never mounted"; status=1
else
  echo "check: mounted $(( $(date +%s) - started )) s after the command"
  out=$(echo hello > /tmp/dfs/hello.txt && cat /tmp/dfs/hello.txt) && [ "$out" = hello ] || { echo "check: echo/cat through the mount gave '$out'"; status=1; }
  ./bin/dfs ls -l / | grep -q ' hello.txt$' || { echo "check: ./bin/dfs ls -l / does not list hello.txt"; status=1; }
  ./bin/dfs status | grep -q '^total ' || { echo "check: ./bin/dfs status printed no totals"; status=1; }
  kill -INT -- "-$pid"
fi
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$pid" 2>/dev/null; then echo "check: still running 60 s after Ctrl-C"; kill -KILL -- "-$pid"; status=1; fi
wait "$pid"; rc=$?
# 130 is how a shell reports a command ended by Ctrl-C (npm passes the signal on and says so)
if [ -n "$mounted" ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ]; then echo "check: npm start exited $rc after Ctrl-C"; status=1; fi
grep -qs ' /tmp/dfs fuse' /proc/mounts && { echo "check: /tmp/dfs still mounted after Ctrl-C"; status=1; }
left=0
for f in /proc/[0-9]*/cmdline; do
  case $(tr '\0' ' ' < "$f" 2>/dev/null) in node\ *dist/src/cli/main.js*) left=$((left + 1)) ;; esac
done
[ "$left" -eq 0 ] || { echo "check: $left dfs processes left after Ctrl-C"; status=1; }
grep -q 'SIGINT, shutting down' /root/start.log || { echo "check: dfs up did not say it was shutting down"; status=1; }
[ "$status" -eq 0 ] || tail -n 40 /root/start.log
# the tarball for the install step (prepack builds dist/ into it)
npm pack --pack-destination /out > /root/pack.log 2>&1 || { echo "check: npm pack failed"; tail -n 20 /root/pack.log; }
exit "$status"
SH

# What `npm install -g` of that tarball gives, on another bare machine.
read -r -d '' install_script <<'SH'
set -u
tgz=$(ls /out/dfs-*.tgz 2>/dev/null | head -n 1)
[ -n "$tgz" ] || { echo "check: no tarball from the start step"; exit 1; }
npm install -g --allow-scripts=dfs,fuse-native "$tgz" > /root/install.log 2>&1 || { echo "check: npm install -g failed"; tail -n 40 /root/install.log; exit 1; }
dfs --version | grep -q '^dfs .* (commit ' || { echo "check: dfs --version: $(dfs --version 2>&1)"; exit 1; }
export DFS_CONFIG_DIR=/root/cfg
setsid dfs up --memory --port 0 --storage-nodes 1 --mount /tmp/m > /root/up.log 2>&1 < /dev/null &
pid=$!
for _ in $(seq 1 120); do grep -qs ' /tmp/m fuse' /proc/mounts && break; kill -0 "$pid" 2>/dev/null || break; sleep 1; done
status=0
if grep -qs ' /tmp/m fuse' /proc/mounts; then
  echo installed > /tmp/m/x && [ "$(dfs cat /x)" = installed ] || { echo "check: a file through the mount does not read back"; status=1; }
else
  echo "check: the installed dfs did not mount"; status=1
fi
kill -INT -- "-$pid"; wait "$pid"
[ "$status" -eq 0 ] || tail -n 30 /root/up.log
exit "$status"
SH

# The suite's stdout (TAP: tap's reporter when stdout is not a terminal) goes to /out/test.tap,
# where .ci/run counts it.
read -r -d '' test_script <<'SH'
set -u
cp -a /src /root/dfs && cd /root/dfs || exit 1
{ npm ci && npm test; } > /out/test.tap 2> /root/test.err
rc=$?
grep -E '^# \{ total' /out/test.tap | tail -n 1
if [ "$rc" -ne 0 ]; then
  grep -E '^\s*not ok' /out/test.tap | tail -n 40
  tail -n 20 /root/test.err
fi
exit "$rc"
SH

failed=0
for step in "${steps[@]}"; do
  case $step in
    start) script=$start_script; what='npm ci && npm start -- --mount /tmp/dfs' ;;
    test) script=$test_script; what='npm ci && npm test' ;;
    install) script=$install_script; what='npm install -g of what npm pack made' ;;
    *) echo "not ok - unknown step $step"; failed=1; continue ;;
  esac
  log "README in a bare container: $what"
  t0=$(date +%s)
  podman run "${run_flags[@]}" "$image" bash -c "$script" > "$work/$step.log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  grep '^check: ' "$work/$step.log" >&2 || true
  if [ "$step" = test ] && [ -n "${DFS_CI_TEST_TAP:-}" ]; then cp "$work/out/test.tap" "$DFS_CI_TEST_TAP" 2>/dev/null || : > "$DFS_CI_TEST_TAP"; fi
  if [ "$rc" -eq 0 ]; then
    echo "ok - README in a bare container: $what (${secs} s)"
  else
    echo "not ok - README in a bare container: $what (exit $rc, ${secs} s)"
    tail -n 60 "$work/$step.log" >&2
    failed=1
  fi
done
exit "$failed"

#!/usr/bin/env bash
# Runs the test suite in a container: builds the Dockerfile's `test` stage from the working
# tree and runs `npm test` in it with FUSE available, so the mount tests run the same on
# every machine.
#
#   npm run test:docker                     # package.json: "test:docker": "bash scripts/test-docker.sh"
#   bash scripts/test-docker.sh --grep=foo  # extra arguments go to tap
#
# Environment:
#   CONTAINER_ENGINE  docker (default) or podman; when docker has no reachable engine
#                     (`docker info` fails) and podman exists, podman is used
#   DFS_TEST_IMAGE    tag for the test image (default dfs-test)
set -euo pipefail
cd "$(dirname "$0")/.."

image=${DFS_TEST_IMAGE:-dfs-test}
engine=${CONTAINER_ENGINE:-docker}

if [ "$engine" = docker ] && ! { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }; then
  if command -v podman >/dev/null 2>&1; then
    echo "test-docker: no Docker engine reachable; using podman" >&2
    engine=podman
  else
    echo "test-docker: no Docker engine reachable and podman is not installed" >&2
    exit 1
  fi
fi
command -v "$engine" >/dev/null 2>&1 || { echo "test-docker: $engine not found" >&2; exit 1; }

build_flags=()
run_flags=(--rm --device /dev/fuse --cap-add SYS_ADMIN --security-opt apparmor=unconfined)
if [ "$(basename "$engine")" = podman ]; then
  # Machines prepared by container-engine (no Docker, no registry) keep podman's
  # configuration under /var/tmp/container-engine; pick it up unless already set.
  ce_home=${CE_HOME:-/var/tmp/container-engine}
  if [ -z "${CONTAINERS_CONF:-}" ] && [ -f "$ce_home/containers.conf" ]; then
    if [ -x ../shared/tools/container-engine ]; then
      eval "$(../shared/tools/container-engine env)"
    else
      export CONTAINERS_CONF="$ce_home/containers.conf" CONTAINERS_STORAGE_CONF="$ce_home/storage.conf"
    fi
  fi
  build_flags+=(--network=host)
  run_flags+=(--network=host)
fi
[ -t 1 ] && run_flags+=(-t)

echo "test-docker: building $image (target test) with $engine" >&2
"$engine" build "${build_flags[@]}" --target test -t "$image" .

echo "test-docker: running the suite" >&2
if [ $# -gt 0 ]; then
  exec "$engine" run "${run_flags[@]}" "$image" npm test -- "$@"
else
  exec "$engine" run "${run_flags[@]}" "$image"
fi

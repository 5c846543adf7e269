# dfs container image.
#
# Stages:
#   base     Debian 12 + Node 20 + the FUSE runtime (libfuse2, libfuse3-3, fuse3) + tini
#   native   base + python3, make, g++, libfuse3-dev: what `npm ci` needs to build dfs's two
#            FUSE addons
#   build    all dependencies, TypeScript build into dist/
#   test     build + the tools the suite uses; CMD runs `npm test`
#            (scripts/test-docker.sh builds it: `npm run test:docker`)
#   deps     production node_modules only
#   runtime  the default (last) stage: `docker build -t dfs .` gives this image
#
# Runtime usage:
#   docker run -d --name dfs-master -p 7070:7070 -v dfs-master:/data -e DFS_JOIN_SECRET=... \
#     -e DFS_ADMIN_PASSWORD=... dfs master --host 0.0.0.0 --port 7070
#   docker run -d -v dfs-s1:/data -e DFS_JOIN_SECRET=... -e DFS_PORT=7071 \
#     dfs storage --master ws://MASTER:7070 --host HOST --port 7071 --data-dir /data
# The mount client needs the FUSE device and the right to mount:
#   docker run --device /dev/fuse --cap-add SYS_ADMIN --security-opt apparmor=unconfined \
#     --user root dfs mount /mnt/dfs --master ws://MASTER:7070
# (see native-notes/README.md for why each flag is needed).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- base -------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
# fuse-native's addon links libfuse.so.2 (package libfuse2), dfs's low-level addon
# libfuse3.so.3 (libfuse3-3). Package fuse3 provides fusermount3, which libfuse 3 uses to
# mount as a non-root user (and for auto_unmount), and /usr/bin/fusermount -> fusermount3,
# which fuse-native calls (`fusermount -uz`) to unmount; on Debian 12 fuse3 replaces the
# libfuse2 package `fuse`. The addons themselves are built in the native stage; the runtime
# image needs no compiler.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libfuse2 libfuse3-3 fuse3 tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# ---- native -----------------------------------------------------------------------------
# `npm ci` runs the postinstall script, which builds fuse-native's addon from source with
# native/fuse-native-utimens.patch (file times), and dfs's low-level addon from
# native/fuse-lowlevel.c against libfuse3-dev's headers, both against the Node headers in
# the image; see native-notes/README.md and native-notes/lowlevel.md.
FROM base AS native
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 make g++ libfuse3-dev \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/build-fuse-native.mjs scripts/system-deps.sh scripts/
COPY native native/
# the packages are installed above: npm ci's preinstall (scripts/system-deps.sh) need not look
ENV DFS_SKIP_APT=1

# ---- build ------------------------------------------------------------------------------
FROM native AS build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything not in .dockerignore: src/ test/ bench/ bin/ tsconfig.json .taprc ...
COPY . .
RUN npm run build

# ---- test -------------------------------------------------------------------------------
# Runs as root: the FUSE tests mount file systems. Run it with
#   --device /dev/fuse --cap-add SYS_ADMIN --security-opt apparmor=unconfined
FROM build AS test
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      git coreutils tar procps \
 && rm -rf /var/lib/apt/lists/*
# tini as PID 1 reaps the servers and helpers the tests spawn and forwards signals.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "test"]

# ---- deps -------------------------------------------------------------------------------
FROM native AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime ----------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production \
    DFS_DATA_DIR=/data \
    DFS_CONFIG_DIR=/data/config \
    DFS_PORT=7070
# The servers run as the unprivileged user dfs. The mount client (`dfs mount`) needs to
# open /dev/fuse and mount: run that container with `--user root` (simplest). It can also
# run as dfs through the setuid /bin/fusermount, but only if the /dev/fuse node is
# read-write for dfs (a --device node keeps the host's mode: 0666 on most hosts, 0600 on
# some), CAP_SYS_ADMIN is still added, and `no-new-privileges` is not set.
RUN groupadd --system --gid 10001 dfs \
 && useradd --system --uid 10001 --gid dfs --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin dfs \
 && mkdir -p /data/config /mnt/dfs \
 && chown -R dfs:dfs /data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json package-lock.json ./
COPY bin ./bin
RUN chmod 0755 bin/dfs && ln -s /app/bin/dfs /usr/local/bin/dfs
USER dfs
VOLUME /data
EXPOSE 7070
# Assumption: `dfs master` and `dfs storage` answer a plain HTTP GET /healthz on their
# listening port with 200 when ready (a storage node answers 503 until it has joined).
# DFS_PORT must name that port (it is read only here, not by dfs). A server bound to a
# specific address rather than 0.0.0.0/127.0.0.1 needs DFS_HEALTH_URL instead. With
# --tls-cert the endpoint is https and this check needs changing. Podman keeps HEALTHCHECK
# only when building with --format docker.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const u=process.env.DFS_HEALTH_URL||'http://127.0.0.1:'+(process.env.DFS_PORT||7070)+'/healthz';fetch(u,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "dfs"]
CMD ["--help"]

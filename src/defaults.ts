// Every limit and deadline in one place, each a named option with its default.
export const DEFAULTS = {
  /** Plaintext bytes per block. Blocks are immutable; a write makes new ones. */
  blockSize: 4 * 1024 * 1024,
  /** Largest WebSocket message a master accepts (metadata only). */
  masterMaxMessage: 16 * 1024 * 1024,
  /** Largest WebSocket message a storage node accepts (one block plus header). */
  storageMaxMessage: 4 * 1024 * 1024 + 64 * 1024,
  /** V8's heap growth, percent over the live heap, for the mount daemon and storage nodes (src/cli/heap.ts). */
  blockTrafficHeapGrowingPercent: 300,
  /** Requests one connection may have in flight at a server before it gets EAGAIN. */
  maxInflightPerConnection: 256,
  /** A client sends a call refused with EAGAIN again this many times, pausing ~base·2^n ms first. */
  busyRetries: 6,
  busyRetryBaseMs: 10,
  /**
   * Bytes a server holds for one connection (requests being served plus replies not yet
   * sent); past it the server stops reading from that connection until they drain.
   */
  maxServedBytesPerConnection: 32 * 1024 * 1024,
  /** The same at a storage node, where each request being served also reserves a block. */
  storageServedBytesPerConnection: 64 * 1024 * 1024,
  /**
   * A disk node re-reads and checks its blocks in the background at this rate (`dfs storage
   * --scrub-rate`): a 4 MiB block a second, ~340 GB a day, gentle beside client traffic.
   */
  scrubBytesPerSecond: 4 * 1024 * 1024,
  /** The first scrub read waits this long after a node starts. */
  scrubStartDelayMs: 60_000,
  /**
   * Unproven connections (counted from the TCP accept, until one of its calls succeeds) one
   * remote address may hold at a server; one more evicts the oldest (src/rpc/server.ts).
   * Connections that have proved themselves (a session, a node, a capability) do not count.
   */
  maxConnectionsPerAddress: 128,
  /** A connection must finish its HTTP/WebSocket handshake (and TLS) within this… */
  handshakeTimeoutMs: 10_000,
  /** …and then make a call that succeeds within this, or it is closed. */
  proveWithinMs: 30_000,
  /** A server closes a connection that has sent nothing and has nothing in flight for this long; clients dial again. */
  idleConnectionMs: 5 * 60_000,
  /** A message must arrive whole within this of its first byte (a 4 MiB block at 200 KiB/s). */
  messageTimeoutMs: 20_000,
  /** A call with no reply by then fails with ETIMEDOUT. */
  requestTimeoutMs: 30_000,
  /**
   * Entries per fs.readdir reply (~1.7 MB of JSON), and block ids per block.list reply
   * (~3.5 MB): longer listings come in pages (src/rpc/paging.ts), so none outgrows a message.
   */
  readdirPage: 10_000,
  readdirPageMax: 50_000,
  blockListPage: 100_000,
  blockListPageMax: 400_000,
  /** Paged listings a server keeps open at once, the items they hold all told, and how long an unused one lasts. */
  listingsKept: 256,
  listingItemsKept: 4_000_000,
  listingTtlMs: 60_000,
  /**
   * A writer whose upload or commit fails because the master is restarting (connection
   * refused or lost, or its block ids forgotten) tries again, with fresh ids, for this long.
   */
  writeRetryMs: 30_000,
  /**
   * Every other call to the master (create, mkdir, rename, getattr, ...) that finds it
   * unreachable (refused, or the connection lost) is sent again for this long, with the same
   * request id, so a change whose reply was lost is not made twice (src/master/request-once.ts).
   */
  metadataRetryMs: 30_000,
  /** Client: pauses between those tries grow from this to `metadataRetryMaxPauseMs`. */
  metadataRetryPauseMs: 50,
  metadataRetryMaxPauseMs: 1_000,
  /**
   * Master: how long a request id is remembered (journaled and snapshotted), well past any
   * retry, and at most how many (~100 bytes each; at 2,000 changes a second, 100 s of them).
   */
  requestMemoryMs: 2 * 60_000,
  requestsRemembered: 200_000,
  /** Storage nodes heartbeat this often; the master marks a node dead after `deadAfterMs`. */
  heartbeatMs: 1_000,
  deadAfterMs: 5_000,
  /** Session tokens live this long. */
  sessionTtlMs: 7 * 24 * 3600 * 1000,
  /** Login throttling (see src/master/login-guard.ts). */
  login: {
    /** Failed logins for one user name within `windowMs` that lock the name for `lockoutMs`. */
    maxFailuresPerUser: 5,
    /** Failed logins from one address within `windowMs` that lock the address. */
    maxFailuresPerAddress: 20,
    windowMs: 15 * 60 * 1000,
    lockoutMs: 5 * 60 * 1000,
    /** A failure is answered after this times the failures so far, at most `maxDelayMs`. */
    failureDelayMs: 250,
    maxDelayMs: 3000,
    maxTracked: 10_000,
    /** Password hashes computed at once; more wait (at most `maxWaiting`), then get EAGAIN. */
    concurrency: 2,
    maxWaiting: 64,
    maxPerAddress: 4,
  },
  /** TOTP codes are accepted this many 30 s steps either side of now. */
  totpWindowSteps: 1,
  /**
   * Master: how long a mount may trust what it was told of an inode or a directory without
   * asking again (a lease, src/master/leases.ts); the master tells it sooner of any change
   * made elsewhere. The kernel's entry and attribute timeouts on a mount are this, less a margin.
   */
  leaseMs: 60_000,
  /**
   * Master: how long a client that dropped off keeps its open files held (src/master/holds.ts),
   * and how long after a start every file with no name left is kept for its holders to say so.
   */
  holdGraceMs: 30_000,
  /** Master: how long a change waits for another mount to say it dropped its cached copy (inode-service.ts, leases.ts). */
  invalidationWaitMs: 2_000,
  /** Mount --multi-user: the dfs uid and gid of local root (squashed) and of local users with no dfs id. */
  squashedId: 65534,
  /** Master: the largest extended attribute value (Linux's XATTR_SIZE_MAX), and all of an inode's names and values together. */
  xattrValueMax: 65536,
  xattrBytesPerInode: 256 * 1024,
  /** Master: a wait for a lock is answered (EAGAIN: ask again) after at most this, so that no call stays out long. */
  lockWaitSliceMs: 5_000,
  /** Master: files one client.hello may say it holds open. */
  maxHeldPerHello: 100_000,
  /** Block capabilities signed by the master live this long. */
  capabilityTtlMs: 10 * 60 * 1000,
  /** An allocated block not committed by then is garbage. */
  allocationTtlMs: 60 * 60 * 1000,
  /** Client: decrypted blocks kept for reads, in bytes. */
  clientCacheBytes: 64 * 1024 * 1024,
  /** Client: dirty bytes one file may buffer before full blocks are uploaded. */
  clientDirtyBytes: 32 * 1024 * 1024,
  /** Client: idle block-sized buffers kept for reuse, per size. */
  clientPooledBuffers: 16,
  /**
   * Client: a small write into a slot that carries this many overlays already folds them
   * into its own (src/master/block-overlays.ts), so that a read gathers a few objects at most.
   */
  clientOverlayFold: 8,
  /** Client: block uploads in flight per client. */
  clientUploadConcurrency: 4,
  /** Client: blocks read ahead on a sequential read. */
  clientReadahead: 4,
  /** Replication factor for new blocks. */
  replicas: 1,
  /**
   * A write with storage nodes down succeeds once this many copies of each block are stored
   * (or the file's factor, if that is less), and fails (EIO) with fewer. Between this and the
   * file's factor it succeeds, status counts the block under-replicated at once, and the
   * master copies it up to the factor when nodes are back. 1, as HDFS's
   * dfs.namenode.replication.min and MooseFS: a cluster with a node down keeps taking
   * writes, and says so. Room is another matter: a node that is up but full is no reason to
   * store fewer copies (repair could not make them up), so a cluster without room for every
   * copy answers ENOSPC.
   */
  minReplicas: 1,
  /** Master journal: bytes one group-commit write may gather before it is written. */
  journalBatchBytes: 8 * 1024 * 1024,
  /** Master journal and snapshot: the largest frame a reader accepts (a bigger length is damage). */
  maxFrameBytes: 64 * 1024 * 1024,
  /** Master: a snapshot is taken once the journal since the last one holds this many records… */
  snapshotEveryRecords: 200_000,
  /** …or this many bytes. */
  snapshotEveryBytes: 128 * 1024 * 1024,
  /** Mount: a FUSE operation with no answer by then gets ETIMEDOUT (fuse-native's own default is 15 s). */
  fuseOpTimeoutMs: 60_000,
  /** Mount: the same for operations that may wait on block transfers (write, flush, fsync, release...). */
  fuseDataOpTimeoutMs: 300_000,
  /**
   * Low-level FUSE binding (src/fuse/lowlevel.ts): the largest write (and O_DIRECT read) the
   * kernel sends in one request, bytes. 1 MiB is 256 pages, the most this kernel allows
   * (/proc/sys/fs/fuse/max_pages_limit) and the most libfuse 3.14 asks for.
   */
  fuseMaxWrite: 1024 * 1024,
  /**
   * Low-level FUSE binding: after FUSE traffic, how long the event loop polls /dev/fuse for
   * the next request before it lets the thread sleep, microseconds (0: never). Waking an
   * idle vCPU costs more than most requests; see native-notes/lowlevel.md.
   */
  fuseSpinMicros: 50,
  /** Low-level FUSE binding: a mount whose kernel INIT has not arrived by then fails. */
  fuseInitTimeoutMs: 10_000,
  /** Mount: how far the kernel reads ahead on a sequential read, in KiB (see native-notes/fuse-options.md). */
  fuseReadaheadKb: 512,
  /** Mount: decrypted blocks the daemon keeps for reads, in bytes. */
  mountCacheBytes: 256 * 1024 * 1024,
  /**
   * Mount: how long the daemon answers stat from its own attribute cache (the kernel's is off,
   * for close-to-open). Bounds how stale a plain stat of a file changed in another mount can
   * be; open() always asks the master. JuiceFS and MooseFS default to 1 s too.
   */
  mountAttrCacheMs: 1_000,
  /** Mount: paths the attribute cache holds at most. */
  mountAttrCacheEntries: 200_000,
  /** Mount: attribute-cache misses in one directory, within the cache time, that make the daemon list it (stat-ahead). */
  mountStatAheadMisses: 8,
  /** Mount: a directory whose listing was longer than this (or failed) is not listed ahead again for… */
  mountStatAheadMaxEntries: 20_000,
  /** …this long. */
  mountStatAheadBackoffMs: 10 * 60_000,
  /** Mount: directories the stat-ahead keeps miss counts for. */
  mountStatAheadDirs: 1024,
  /**
   * Mount by inode (src/fuse/inode-fs.ts): how long the kernel may keep entries, attributes
   * and absent names while the channel to the master is up, seconds. The master's leases
   * make it safe (it pushes an invalidation when another session changes what a lease
   * covers); it must stay below the master's lease time, so that no kernel cache outlives the
   * lease that keeps it true (native-notes/mount-by-inode.md).
   */
  mountLeasedCacheSeconds: 50,
  /** Mount by inode: the same while the channel is down, when nobody would say that something changed. */
  mountUnleasedCacheSeconds: 0.5,
  /**
   * Mount by inode: absent names the mount tracks, so that it can take them back from the kernel
   * when the channel breaks; past this, an absent name is cached only for the short time.
   */
  mountNegativeEntries: 100_000,
  /**
   * Mount by inode: invalidations remembered, so that an answer fetched before one of them (a
   * directory page served later, a lookup whose reply crossed it) is not cached long; past
   * this, every answer older than the oldest remembered is cached only for the short time.
   */
  mountRecentChanges: 10_000,
  /**
   * Mount by inode: a call to the master at least this often, so that the master never
   * closes the mount's connection as idle (idleConnectionMs), which would end its leases
   * and cost every kernel cache.
   */
  mountKeepaliveMs: 60_000,
  /** Mount: how often the daemon checks that its mount and its master are still there. */
  mountWatchMs: 1_000,
  /**
   * Mount: the master unreachable this long counts as gone for good, and the daemon unmounts.
   * Longer than `metadataRetryMs`: a master restart that calls ride out must not end the mount.
   */
  mountMasterGoneMs: 60_000,
  /** Mount: on shutdown, how long to wait for open files to flush before unmounting anyway. */
  mountFlushOnExitMs: 30_000,
  /**
   * Block slots one file may have (4 TiB at 4 MiB blocks): bounds the master's block lists,
   * and so the largest file, past which a write or truncate is EFBIG and changes nothing.
   */
  maxBlocksPerFile: 1 << 20,
  /** Master: after start-up, nodes get this long to register before missing copies are repaired. */
  repairGraceMs: 10_000,
  /** Master: block repairs (copies or trims) in flight at once, cluster-wide… */
  repairConcurrency: 8,
  /** …and copies one node takes part in at once, as source or target. */
  repairPerNode: 2,
  /** Master: a full replication scan runs at least this often, besides when a node dies or joins. */
  repairScanMs: 30_000,
  /** Master: each node's block list is checked against the block map this often (and on registration). */
  reconcileMs: 10 * 60_000,
  /**
   * Master: removed files and directories stay in the trash this long before they are purged
   * (`dfs master --trash-days`; 0: no trash). A day, as JuiceFS and MooseFS keep them.
   */
  trashRetentionMs: 24 * 3600 * 1000,
  /** Master: how often the trash is checked for items past their time… */
  trashPurgeEveryMs: 60_000,
  /** …and items purged per journal batch. */
  trashPurgeBatch: 1000,
  /** Master: block ids per delete request to a node. */
  gcBatch: 1000,
  /** CLI: on Ctrl-C, what an interrupted transfer made is removed within this, then the process exits anyway. */
  interruptCleanupMs: 5_000,
  /** NAME_MAX: the bytes in one name. */
  maxNameBytes: 255,
  /** PATH_MAX: a symlink target (and a path the CLI is given) holds fewer bytes than this, as Linux counts it with its NUL. */
  maxPathBytes: 4096,
  /**
   * Master: the bytes in an absolute path a request names. More than PATH_MAX: a mount names
   * its files from the cluster's root, and the kernel's PATH_MAX bounds only a path relative
   * to a process's directory, which may be deep in the tree already.
   */
  maxTreePathBytes: 64 * 1024,
  maxSymlinkDepth: 40,
} as const;

// dfs's low-level FUSE binding: libfuse 3's inode-based API driven on Node's own event loop.
//
// Built by scripts/build-fuse-native.mjs beside dfs's build of fuse-native's addon (the
// high-level one, on libfuse 2), and wrapped by src/fuse/lowlevel.ts, which is the only
// user of what this file exports. native-notes/lowlevel.md explains the design; in short:
//
// - One thread. libuv polls the session's /dev/fuse descriptor (non-blocking); a readable
//   descriptor is drained with fuse_session_receive_buf + fuse_session_process_buf on the
//   main thread, and each request becomes exactly one call into JavaScript with a request
//   id. JavaScript answers whenever it likes by calling one of the reply functions with
//   that id, so a slow operation holds no thread. Replies are written from the main thread.
// - A bounded, adaptive spin: before libuv would put the thread to sleep after FUSE
//   traffic, the descriptor is polled for up to spinMicros for the next request, as long as
//   nothing else is ready or due, yielding the CPU to anything runnable between polls (and
//   stopping when that yield shows the CPU is wanted); a few fruitless spins in a row turn
//   it off until requests come back to back again. An idle session never spins.
// - Notifications to the kernel (inval_inode, inval_entry, delete) are written by a
//   thread of their own: the kernel handles them inside write(2) and may wait there for
//   locks that an unanswered request holds; the main thread must stay free to answer it.
// - Write data is handed to JavaScript as a Buffer over libfuse's receive buffer, valid
//   until the reply (then detached); a write answered later keeps its buffer and the
//   session receives into another one.
#define FUSE_USE_VERSION 314
#define _GNU_SOURCE
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

/** Bumped whenever an export, an argument list or a Float64Array layout changes (src/fuse/lowlevel-native.d.ts). */
#define DFS_LOWLEVEL_ABI 1

// ---- Float64Array layouts shared with src/fuse/lowlevel-layout.ts ------------------------
// attributes: ino mode nlink uid gid rdev size blocks blksize atime(s,ns) mtime(s,ns) ctime(s,ns)
#define A_INO 0
#define A_MODE 1
#define A_NLINK 2
#define A_UID 3
#define A_GID 4
#define A_RDEV 5
#define A_SIZE 6
#define A_BLOCKS 7
#define A_BLKSIZE 8
#define A_ATIME 9
#define A_MTIME 11
#define A_CTIME 13
#define ATTR_LEN 15
// an entry: the attributes, then node id, generation, attr timeout, entry timeout (seconds)
#define E_NODEID 15
#define E_GENERATION 16
#define E_ATTR_TIMEOUT 17
#define E_ENTRY_TIMEOUT 18
#define ENTRY_LEN 19
// an attribute reply: the attributes, then their timeout
#define AR_TIMEOUT 15
#define ATTR_REPLY_LEN 16
// a directory entry: ino, mode, offset of the next entry; readdirplus: an entry, then the offset
#define D_LEN 3
#define DP_LEN (ENTRY_LEN + 1)
#define STATFS_LEN 11
#define LOCK_LEN 5
// open reply flags
#define OPEN_DIRECT_IO 1
#define OPEN_KEEP_CACHE 2
#define OPEN_NONSEEKABLE 4
#define OPEN_CACHE_READDIR 8
#define OPEN_NOFLUSH 16

// INIT reply flags of the kernel protocol (<linux/fuse.h>) that libfuse 3.14 never sends,
// although it reports the capabilities as wanted (fixed in libfuse 3.17: "Pass
// FUSE_PARALLEL_DIROPS to kernel"). The session's writev adds them to the INIT reply.
#define KERNEL_PARALLEL_DIROPS (1u << 18)
#define KERNEL_HANDLE_KILLPRIV (1u << 19)
/** offsetof(struct fuse_init_out, flags): after major, minor and max_readahead. */
#define INIT_OUT_FLAGS_AT 12

/** The largest integer a double holds exactly: inode numbers, handles and offsets stay below it. */
#define MAX_SAFE 9007199254740991.0
/** Requests handled per libuv callback before other events get their turn. */
#define PUMP_BATCH 64
/** Receive buffers kept for reuse once a write that held one is answered. */
#define POOL_MAX 4
/** Fruitless spins in a row after which spinning stops until requests come back to back. */
#define SPIN_MISSES_OFF 3
/** A sched_yield() that returns this much later let other work run: the CPU is wanted elsewhere. */
#define SPIN_BUSY_NS 20000
/** A request that arrives within this many spin windows of the last reply turns spinning back on. */
#define SPIN_REARM_WINDOWS 4
/** Slots: an id is index + generation * SLOT_SPAN, below 2^53. */
#define SLOT_SPAN 4194304.0
#define SLOT_MAX 4194304u
/** How long an unmount waits for the notification thread to finish what it is writing. */
#define NOTIFY_DRAIN_MS 5000

enum op {
  OP_LOOKUP, OP_FORGET, OP_GETATTR, OP_SETATTR, OP_READLINK, OP_MKNOD, OP_MKDIR, OP_UNLINK,
  OP_RMDIR, OP_SYMLINK, OP_RENAME, OP_LINK, OP_OPEN, OP_READ, OP_WRITE, OP_FLUSH, OP_RELEASE,
  OP_FSYNC, OP_OPENDIR, OP_READDIR, OP_READDIRPLUS, OP_RELEASEDIR, OP_FSYNCDIR, OP_STATFS,
  OP_SETXATTR, OP_GETXATTR, OP_LISTXATTR, OP_REMOVEXATTR, OP_ACCESS, OP_CREATE, OP_GETLK,
  OP_SETLK, OP_FLOCK, OP_FALLOCATE, OP_COPY_FILE_RANGE, OP_LSEEK, OP_COUNT
};

static const char *const OP_NAMES[OP_COUNT] = {
  "lookup", "forget", "getattr", "setattr", "readlink", "mknod", "mkdir", "unlink",
  "rmdir", "symlink", "rename", "link", "open", "read", "write", "flush", "release",
  "fsync", "opendir", "readdir", "readdirplus", "releasedir", "fsyncdir", "statfs",
  "setxattr", "getxattr", "listxattr", "removexattr", "access", "create", "getlk",
  "setlk", "flock", "fallocate", "copyFileRange", "lseek",
};

struct session;

/** One request JavaScript has not answered yet. */
typedef struct slot {
  fuse_req_t req; /* NULL: free */
  struct session *s;
  uint32_t gen;
  uint32_t next_free;
  size_t max_reply;  /* the most bytes a data reply may carry (read, readdir, xattrs) */
  void *owned_mem;   /* a receive buffer held by an unanswered write */
  napi_ref data;     /* the ArrayBuffer over write data, detached at the reply */
  uint8_t interrupt_registered;
} slot_t;

/** Per Node environment (the main thread, or a worker). */
typedef struct addon {
  slot_t *slots;
  uint32_t nslots, cap, free_head;
} addon_t;

enum notice_kind { N_INVAL_INODE, N_INVAL_ENTRY, N_DELETE };

/** One notification for the kernel, written by the notification thread. */
typedef struct notice {
  enum notice_kind kind;
  uint64_t a, b;      /* inode, or parent and child */
  int64_t off, len;   /* inval_inode's range */
  char *name;
  size_t namelen;
  int result;         /* 0 or a negative errno */
  napi_deferred deferred;
  struct notice *next;
} notice_t;

enum state { S_MOUNTED, S_CLOSING, S_CLOSED };

typedef struct session {
  napi_env env;
  addon_t *addon;
  struct fuse_session *se;
  char *mountpoint;
  int fd;
  enum state state;
  int in_pump;
  int close_requested;
  int end_errno; /* why the session ended: 0 unmounted by us, ENODEV by someone else */
  uv_loop_t *loop;
  uv_poll_t poll;
  uv_prepare_t prepare;
  uv_async_t notify_async;
  int open_handles;
  napi_ref handlers[OP_COUNT];
  napi_ref on_init, on_interrupt, on_end, resource;
  napi_async_context actx;
  struct fuse_buf buf;
  void *pool[POOL_MAX];
  int npool;
  double *intr; /* ids of interrupted requests, to hand to JavaScript */
  int nintr, capintr;
  /* configuration applied at INIT */
  unsigned max_write, max_readahead, max_background, congestion_threshold;
  uint64_t want_set, want_clear;
  uint32_t init_flags_to_add; /* kernel INIT flags libfuse leaves out, for the INIT reply */
  /* the spin */
  uint64_t spin_ns;
  int spin_off, misses, activity;
  uint64_t last_reply_ns;
  /* counters, for stats() */
  double requests, wakeups, spin_hits, spin_misses, spin_total_ns, in_flight;
  /* the notification thread */
  pthread_t thread;
  int thread_started;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  notice_t *queue, *queue_tail, *done;
  int stop, busy;
  struct session *next_live;
} session_t;

// ---- libfuse's messages: kept so that a failed mount can say why ------------------------
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char last_log[1024];

static void log_func(enum fuse_log_level level, const char *fmt, va_list ap) {
  (void) level;
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  fputs(line, stderr);
  pthread_mutex_lock(&log_mu);
  size_t have = strlen(last_log);
  if (have + strlen(line) + 1 < sizeof last_log) strcat(last_log, line);
  pthread_mutex_unlock(&log_mu);
}

// ---- live sessions, unmounted at exit(3) ---------------------------------------------------
// process.exit() ends the process without tearing the environment down; a mount left behind
// would answer ENOTCONN until someone cleared it.
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static session_t *live;
static int atexit_registered;

static void live_add(session_t *s) {
  pthread_mutex_lock(&live_mu);
  s->next_live = live;
  live = s;
  pthread_mutex_unlock(&live_mu);
}

static void live_remove(session_t *s) {
  pthread_mutex_lock(&live_mu);
  for (session_t **p = &live; *p; p = &(*p)->next_live) {
    if (*p == s) {
      *p = s->next_live;
      break;
    }
  }
  pthread_mutex_unlock(&live_mu);
}

static void unmount_at_exit(void) {
  pthread_mutex_lock(&live_mu);
  for (session_t *s = live; s; s = s->next_live) {
    if (s->se) fuse_session_unmount(s->se);
  }
  live = NULL;
  pthread_mutex_unlock(&live_mu);
}

// ---- small N-API helpers --------------------------------------------------------------
static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static napi_value u64v(napi_env env, uint64_t v) { return num(env, (double) v); }

static napi_value bigu64(napi_env env, uint64_t v) {
  napi_value r;
  napi_create_bigint_uint64(env, v, &r);
  return r;
}

static napi_value boolv(napi_env env, int v) {
  napi_value r;
  napi_get_boolean(env, v != 0, &r);
  return r;
}

static napi_value undef(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "EINVAL", msg);
  return NULL;
}

static uint64_t to_u64(double d) {
  if (!(d >= 0)) return 0;
  if (d >= 18446744073709549568.0) return UINT64_MAX;
  return (uint64_t) d;
}

static int64_t to_i64(double d) {
  if (d != d) return 0;
  if (d >= 9223372036854774784.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t) d;
}

static double arg_num(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

/** A Float64Array argument with at least `need` elements, or NULL. */
static double *f64(napi_env env, napi_value v, size_t need) {
  napi_typedarray_type t;
  size_t len;
  void *data;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, NULL, NULL) != napi_ok) return NULL;
  if (t != napi_float64_array || len < need) return NULL;
  return data;
}

/** A string argument as a fresh NUL-terminated UTF-8 copy (free it), or NULL. */
static char *str_arg(napi_env env, napi_value v, size_t *len_out) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (len_out) *len_out = len;
  return s;
}

/** True when `s` is well-formed UTF-8: dfs names are JavaScript strings. */
static int utf8_ok(const unsigned char *s) {
  while (*s) {
    if (*s < 0x80) {
      s++;
      continue;
    }
    int n = (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2 : (*s & 0xf8) == 0xf0 ? 3 : -1;
    if (n < 0 || (n == 1 && *s < 0xc2)) return 0;
    unsigned cp = *s & (0x3f >> n);
    for (int i = 1; i <= n; i++) {
      if ((s[i] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    s += n + 1;
  }
  return 1;
}

static napi_value name_value(napi_env env, const char *name) {
  napi_value r;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &r);
  return r;
}

// ---- slots: requests in flight ----------------------------------------------------------
static slot_t *slot_new(addon_t *a, session_t *s, fuse_req_t req, double *id) {
  if (a->free_head == UINT32_MAX) {
    if (a->nslots == a->cap) {
      uint32_t cap = a->cap ? a->cap * 2 : 256;
      if (cap > SLOT_MAX) return NULL;
      slot_t *grown = realloc(a->slots, cap * sizeof(slot_t));
      if (!grown) return NULL;
      a->slots = grown;
      a->cap = cap;
    }
    memset(&a->slots[a->nslots], 0, sizeof(slot_t));
    a->slots[a->nslots].next_free = UINT32_MAX;
    a->free_head = a->nslots++;
  }
  uint32_t i = a->free_head;
  slot_t *sl = &a->slots[i];
  a->free_head = sl->next_free;
  sl->req = req;
  sl->s = s;
  sl->max_reply = 0;
  sl->owned_mem = NULL;
  sl->data = NULL;
  sl->interrupt_registered = 0;
  *id = (double) i + (double) sl->gen * SLOT_SPAN;
  s->in_flight++;
  return sl;
}

/** The live slot an id names, or NULL for an answered (or unknown) request. */
static slot_t *slot_of(addon_t *a, double id) {
  if (!(id >= 0) || id > MAX_SAFE) return NULL;
  uint64_t v = (uint64_t) id;
  uint32_t i = (uint32_t) (v % (uint64_t) SLOT_SPAN);
  uint32_t gen = (uint32_t) (v / (uint64_t) SLOT_SPAN);
  if (i >= a->nslots) return NULL;
  slot_t *sl = &a->slots[i];
  if (!sl->req || sl->gen != gen) return NULL;
  return sl;
}

static void pool_put(session_t *s, void *mem) {
  if (s->state == S_MOUNTED && s->npool < POOL_MAX) s->pool[s->npool++] = mem;
  else free(mem);
}

/** After the reply: the write data's Buffer goes empty and its memory back to the pool. */
static void slot_free(napi_env env, addon_t *a, slot_t *sl) {
  session_t *s = sl->s;
  if (sl->data) {
    napi_value ab;
    if (napi_get_reference_value(env, sl->data, &ab) == napi_ok && ab) napi_detach_arraybuffer(env, ab);
    napi_delete_reference(env, sl->data);
    sl->data = NULL;
  }
  if (sl->owned_mem) {
    pool_put(s, sl->owned_mem);
    sl->owned_mem = NULL;
  }
  sl->req = NULL;
  sl->gen = (sl->gen + 1) % (1u << 30);
  sl->next_free = a->free_head;
  a->free_head = (uint32_t) (sl - a->slots);
  s->in_flight--;
  s->activity = 1;
  s->last_reply_ns = uv_hrtime();
}

static addon_t *addon_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

// ---- calling JavaScript -----------------------------------------------------------------
static void on_interrupt_req(fuse_req_t req, void *data);

/** After a handler returned (or threw): surfaces an exception as uncaught, as Node does. */
static void check_exception(napi_env env, napi_status status) {
  if (status != napi_pending_exception) return;
  napi_value err;
  napi_get_and_clear_last_exception(env, &err);
  napi_fatal_exception(env, err);
}

/**
 * Hands one request to JavaScript: argv[0..3] become the request id and the caller's uid,
 * gid and pid; the rest the caller filled. Returns the slot when the request is still
 * unanswered after the call (so it is answered later), else NULL.
 */
static slot_t *dispatch_data(session_t *s, fuse_req_t req, enum op op, size_t argc, napi_value *argv, size_t max_reply, napi_ref data) {
  napi_env env = s->env;
  double id;
  slot_t *sl = slot_new(s->addon, s, req, &id);
  if (!sl) {
    if (data) napi_delete_reference(env, data);
    fuse_reply_err(req, ENOMEM);
    return NULL;
  }
  sl->max_reply = max_reply;
  sl->data = data;
  const struct fuse_ctx *ctx = fuse_req_ctx(req);
  argv[0] = num(env, id);
  argv[1] = num(env, ctx->uid);
  argv[2] = num(env, ctx->gid);
  argv[3] = num(env, ctx->pid);
  napi_value fn, recv = undef(env);
  napi_get_reference_value(env, s->handlers[op], &fn);
  napi_value ignored;
  napi_status st = napi_call_function(env, recv, fn, argc, argv, &ignored);
  check_exception(env, st);
  sl = slot_of(s->addon, id);
  if (!sl) return NULL;
  if (st != napi_ok) {
    fuse_reply_err(req, EIO);
    slot_free(env, s->addon, sl);
    return NULL;
  }
  // answered later: the kernel's interrupts for it go to JavaScript
  sl->interrupt_registered = 1;
  fuse_req_interrupt_func(req, on_interrupt_req, (void *) (uintptr_t) (uint64_t) id);
  return sl;
}

static slot_t *dispatch(session_t *s, fuse_req_t req, enum op op, size_t argc, napi_value *argv, size_t max_reply) {
  return dispatch_data(s, req, op, argc, argv, max_reply, NULL);
}

static void on_interrupt_req(fuse_req_t req, void *data) {
  // called by libfuse with its locks held (or at registration): only note it here
  session_t *s = fuse_req_userdata(req);
  if (s->nintr == s->capintr) {
    int cap = s->capintr ? s->capintr * 2 : 16;
    double *grown = realloc(s->intr, cap * sizeof(double));
    if (!grown) return;
    s->intr = grown;
    s->capintr = cap;
  }
  s->intr[s->nintr++] = (double) (uint64_t) (uintptr_t) data;
}

static void deliver_interrupts(session_t *s) {
  napi_env env = s->env;
  for (int i = 0; i < s->nintr; i++) {
    if (!slot_of(s->addon, s->intr[i])) continue;
    napi_value fn, argv[1] = { num(env, s->intr[i]) }, ignored;
    napi_get_reference_value(env, s->on_interrupt, &fn);
    check_exception(env, napi_call_function(env, undef(env), fn, 1, argv, &ignored));
  }
  s->nintr = 0;
}

#define SESSION(req) ((session_t *) fuse_req_userdata(req))
/** Every operation starts so: a session being torn down answers EIO without JavaScript. */
#define BEGIN(n)                                                    \
  session_t *s = SESSION(req);                                      \
  if (s->state != S_MOUNTED) { fuse_reply_err(req, EIO); return; }  \
  napi_value argv[4 + (n)];                                         \
  napi_env env = s->env
#define FH(fi) u64v(env, (fi)->fh)

/** Names must be UTF-8; a lookup of any other name finds nothing, anything else is EINVAL. */
#define CHECK_NAME(name, err) \
  if (!utf8_ok((const unsigned char *) (name))) { fuse_reply_err(req, err); return; }

// ---- the operations -----------------------------------------------------------------------
static void ll_init(void *userdata, struct fuse_conn_info *conn) {
  session_t *s = userdata;
  napi_env env = s->env;
  if (s->max_write && s->max_write < conn->max_write) conn->max_write = s->max_write;
  if (s->max_readahead && s->max_readahead < conn->max_readahead) conn->max_readahead = s->max_readahead;
  if (s->max_background) conn->max_background = s->max_background;
  if (s->congestion_threshold) conn->congestion_threshold = s->congestion_threshold;
  conn->want |= (unsigned) (s->want_set & conn->capable);
  conn->want &= ~(unsigned) s->want_clear;
  conn->time_gran = 1;
  s->init_flags_to_add = ((conn->want & FUSE_CAP_PARALLEL_DIROPS) ? KERNEL_PARALLEL_DIROPS : 0)
    | ((conn->want & FUSE_CAP_HANDLE_KILLPRIV) ? KERNEL_HANDLE_KILLPRIV : 0);
  napi_value info;
  napi_create_object(env, &info);
  napi_set_named_property(env, info, "protoMajor", num(env, conn->proto_major));
  napi_set_named_property(env, info, "protoMinor", num(env, conn->proto_minor));
  napi_set_named_property(env, info, "capable", num(env, conn->capable));
  napi_set_named_property(env, info, "want", num(env, conn->want));
  napi_set_named_property(env, info, "maxWrite", num(env, conn->max_write));
  napi_set_named_property(env, info, "maxRead", num(env, conn->max_read));
  napi_set_named_property(env, info, "maxReadahead", num(env, conn->max_readahead));
  napi_set_named_property(env, info, "maxBackground", num(env, conn->max_background));
  napi_set_named_property(env, info, "congestionThreshold", num(env, conn->congestion_threshold));
  napi_set_named_property(env, info, "timeGran", num(env, conn->time_gran));
  napi_value fn, ignored;
  napi_get_reference_value(env, s->on_init, &fn);
  check_exception(env, napi_call_function(env, undef(env), fn, 1, &info, &ignored));
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
  BEGIN(2);
  CHECK_NAME(name, ENOENT);
  argv[4] = u64v(env, parent);
  argv[5] = name_value(env, name);
  dispatch(s, req, OP_LOOKUP, 6, argv, 0);
}

static void call_forget(session_t *s, const double *pairs, size_t count) {
  napi_env env = s->env;
  if (s->state != S_MOUNTED) return;
  napi_value ab, arr, fn, ignored;
  void *data;
  napi_create_arraybuffer(env, count * 2 * sizeof(double), &data, &ab);
  memcpy(data, pairs, count * 2 * sizeof(double));
  napi_create_typedarray(env, napi_float64_array, count * 2, ab, 0, &arr);
  napi_get_reference_value(env, s->handlers[OP_FORGET], &fn);
  check_exception(env, napi_call_function(env, undef(env), fn, 1, &arr, &ignored));
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  double pair[2] = { (double) ino, (double) nlookup };
  call_forget(SESSION(req), pair, 1);
  fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
  double *pairs = malloc(count * 2 * sizeof(double) + 1);
  if (pairs) {
    for (size_t i = 0; i < count; i++) {
      pairs[2 * i] = (double) forgets[i].ino;
      pairs[2 * i + 1] = (double) forgets[i].nlookup;
    }
    call_forget(SESSION(req), pairs, count);
    free(pairs);
  }
  fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  BEGIN(2);
  argv[4] = u64v(env, ino);
  argv[5] = fi ? FH(fi) : num(env, -1);
  dispatch(s, req, OP_GETATTR, 6, argv, 0);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *a, int to_set, struct fuse_file_info *fi) {
  BEGIN(13);
  argv[4] = u64v(env, ino);
  argv[5] = num(env, to_set);
  argv[6] = fi ? FH(fi) : num(env, -1);
  argv[7] = num(env, a->st_mode);
  argv[8] = num(env, a->st_uid);
  argv[9] = num(env, a->st_gid);
  argv[10] = num(env, (double) a->st_size);
  argv[11] = num(env, (double) a->st_atim.tv_sec);
  argv[12] = num(env, (double) a->st_atim.tv_nsec);
  argv[13] = num(env, (double) a->st_mtim.tv_sec);
  argv[14] = num(env, (double) a->st_mtim.tv_nsec);
  argv[15] = num(env, (double) a->st_ctim.tv_sec);
  argv[16] = num(env, (double) a->st_ctim.tv_nsec);
  dispatch(s, req, OP_SETATTR, 17, argv, 0);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino) {
  BEGIN(1);
  argv[4] = u64v(env, ino);
  dispatch(s, req, OP_READLINK, 5, argv, 0);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev) {
  BEGIN(5);
  CHECK_NAME(name, EINVAL);
  argv[4] = u64v(env, parent);
  argv[5] = name_value(env, name);
  argv[6] = num(env, mode);
  argv[7] = num(env, (double) rdev);
  argv[8] = num(env, fuse_req_ctx(req)->umask);
  dispatch(s, req, OP_MKNOD, 9, argv, 0);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode) {
  BEGIN(4);
  CHECK_NAME(name, EINVAL);
  argv[4] = u64v(env, parent);
  argv[5] = name_value(env, name);
  argv[6] = num(env, mode);
  argv[7] = num(env, fuse_req_ctx(req)->umask);
  dispatch(s, req, OP_MKDIR, 8, argv, 0);
}

static void name_op(fuse_req_t req, fuse_ino_t parent, const char *name, enum op op) {
  BEGIN(2);
  CHECK_NAME(name, ENOENT);
  argv[4] = u64v(env, parent);
  argv[5] = name_value(env, name);
  dispatch(s, req, op, 6, argv, 0);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) { name_op(req, parent, name, OP_UNLINK); }
static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name) { name_op(req, parent, name, OP_RMDIR); }

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name) {
  BEGIN(3);
  CHECK_NAME(name, EINVAL);
  CHECK_NAME(link, EINVAL);
  argv[4] = name_value(env, link);
  argv[5] = u64v(env, parent);
  argv[6] = name_value(env, name);
  dispatch(s, req, OP_SYMLINK, 7, argv, 0);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname, unsigned int flags) {
  BEGIN(5);
  CHECK_NAME(name, ENOENT);
  CHECK_NAME(newname, EINVAL);
  argv[4] = u64v(env, parent);
  argv[5] = name_value(env, name);
  argv[6] = u64v(env, newparent);
  argv[7] = name_value(env, newname);
  argv[8] = num(env, flags);
  dispatch(s, req, OP_RENAME, 9, argv, 0);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname) {
  BEGIN(3);
  CHECK_NAME(newname, EINVAL);
  argv[4] = u64v(env, ino);
  argv[5] = u64v(env, newparent);
  argv[6] = name_value(env, newname);
  dispatch(s, req, OP_LINK, 7, argv, 0);
}

static void open_op(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, enum op op) {
  BEGIN(2);
  argv[4] = u64v(env, ino);
  argv[5] = num(env, fi->flags);
  dispatch(s, req, op, 6, argv, 0);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) { open_op(req, ino, fi, OP_OPEN); }
static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) { open_op(req, ino, fi, OP_OPENDIR); }

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  BEGIN(4);
  if ((double) off > MAX_SAFE) {
    fuse_reply_buf(req, NULL, 0);
    return;
  }
  argv[4] = u64v(env, ino);
  argv[5] = num(env, (double) size);
  argv[6] = num(env, (double) off);
  argv[7] = FH(fi);
  dispatch(s, req, OP_READ, 8, argv, size);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  BEGIN(7);
  if ((double) off + (double) size > MAX_SAFE) {
    fuse_reply_err(req, EFBIG);
    return;
  }
  napi_value data, ab;
  // a view of libfuse's receive buffer, no copy: detached when the request is answered
  napi_create_external_buffer(env, size, (void *) buf, NULL, NULL, &data);
  napi_ref ref = NULL;
  napi_get_typedarray_info(env, data, NULL, NULL, NULL, &ab, NULL);
  napi_create_reference(env, ab, 0, &ref);
  argv[4] = u64v(env, ino);
  argv[5] = data;
  argv[6] = num(env, (double) off);
  argv[7] = FH(fi);
  argv[8] = num(env, fi->flags);
  argv[9] = bigu64(env, fi->lock_owner);
  argv[10] = boolv(env, fi->writepage);
  slot_t *sl = dispatch_data(s, req, OP_WRITE, 11, argv, 0, ref);
  if (!sl) return;
  // answered later: the request keeps this receive buffer and the session takes another
  sl->owned_mem = s->buf.mem;
  s->buf.mem = s->npool ? s->pool[--s->npool] : NULL;
}

static void fh_owner_op(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, enum op op) {
  BEGIN(3);
  argv[4] = u64v(env, ino);
  argv[5] = FH(fi);
  argv[6] = bigu64(env, fi->lock_owner);
  dispatch(s, req, op, 7, argv, 0);
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) { fh_owner_op(req, ino, fi, OP_FLUSH); }

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  BEGIN(6);
  argv[4] = u64v(env, ino);
  argv[5] = FH(fi);
  argv[6] = num(env, fi->flags);
  argv[7] = boolv(env, fi->flush);
  argv[8] = boolv(env, fi->flock_release);
  argv[9] = bigu64(env, fi->lock_owner);
  dispatch(s, req, OP_RELEASE, 10, argv, 0);
}

static void sync_op(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi, enum op op) {
  BEGIN(3);
  argv[4] = u64v(env, ino);
  argv[5] = boolv(env, datasync);
  argv[6] = FH(fi);
  dispatch(s, req, op, 7, argv, 0);
}

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) { sync_op(req, ino, datasync, fi, OP_FSYNC); }
static void ll_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) { sync_op(req, ino, datasync, fi, OP_FSYNCDIR); }

static void dir_op(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi, enum op op) {
  BEGIN(4);
  argv[4] = u64v(env, ino);
  argv[5] = FH(fi);
  argv[6] = num(env, (double) off);
  argv[7] = num(env, (double) size);
  dispatch(s, req, op, 8, argv, size);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) { dir_op(req, ino, size, off, fi, OP_READDIR); }
static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) { dir_op(req, ino, size, off, fi, OP_READDIRPLUS); }

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  BEGIN(2);
  argv[4] = u64v(env, ino);
  argv[5] = FH(fi);
  dispatch(s, req, OP_RELEASEDIR, 6, argv, 0);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino) {
  BEGIN(1);
  argv[4] = u64v(env, ino);
  dispatch(s, req, OP_STATFS, 5, argv, 0);
}

static void ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size, int flags) {
  BEGIN(4);
  CHECK_NAME(name, EINVAL);
  napi_value v;
  void *copy;
  napi_create_buffer_copy(env, size, value, &copy, &v);
  argv[4] = u64v(env, ino);
  argv[5] = name_value(env, name);
  argv[6] = v;
  argv[7] = num(env, flags);
  dispatch(s, req, OP_SETXATTR, 8, argv, 0);
}

static void ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
  BEGIN(3);
  CHECK_NAME(name, ENODATA);
  argv[4] = u64v(env, ino);
  argv[5] = name_value(env, name);
  argv[6] = num(env, (double) size);
  dispatch(s, req, OP_GETXATTR, 7, argv, size);
}

static void ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  BEGIN(2);
  argv[4] = u64v(env, ino);
  argv[5] = num(env, (double) size);
  dispatch(s, req, OP_LISTXATTR, 6, argv, size);
}

static void ll_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name) {
  BEGIN(2);
  CHECK_NAME(name, ENODATA);
  argv[4] = u64v(env, ino);
  argv[5] = name_value(env, name);
  dispatch(s, req, OP_REMOVEXATTR, 6, argv, 0);
}

static void ll_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  BEGIN(2);
  argv[4] = u64v(env, ino);
  argv[5] = num(env, mask);
  dispatch(s, req, OP_ACCESS, 6, argv, 0);
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi) {
  BEGIN(5);
  CHECK_NAME(name, EINVAL);
  argv[4] = u64v(env, parent);
  argv[5] = name_value(env, name);
  argv[6] = num(env, mode);
  argv[7] = num(env, fi->flags);
  argv[8] = num(env, fuse_req_ctx(req)->umask);
  dispatch(s, req, OP_CREATE, 9, argv, 0);
}

static void lock_args(napi_env env, napi_value *argv, fuse_ino_t ino, struct fuse_file_info *fi, const struct flock *l) {
  argv[4] = u64v(env, ino);
  argv[5] = FH(fi);
  argv[6] = bigu64(env, fi->lock_owner);
  argv[7] = num(env, l->l_type);
  argv[8] = num(env, l->l_whence);
  argv[9] = num(env, (double) l->l_start);
  argv[10] = num(env, (double) l->l_len);
  argv[11] = num(env, l->l_pid);
}

static void ll_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock) {
  BEGIN(8);
  lock_args(env, argv, ino, fi, lock);
  dispatch(s, req, OP_GETLK, 12, argv, 0);
}

static void ll_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock, int sleep) {
  BEGIN(9);
  lock_args(env, argv, ino, fi, lock);
  argv[12] = boolv(env, sleep);
  dispatch(s, req, OP_SETLK, 13, argv, 0);
}

static void ll_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op) {
  BEGIN(4);
  argv[4] = u64v(env, ino);
  argv[5] = FH(fi);
  argv[6] = bigu64(env, fi->lock_owner);
  argv[7] = num(env, op);
  dispatch(s, req, OP_FLOCK, 8, argv, 0);
}

static void ll_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length, struct fuse_file_info *fi) {
  BEGIN(5);
  if ((double) offset + (double) length > MAX_SAFE) {
    fuse_reply_err(req, EFBIG);
    return;
  }
  argv[4] = u64v(env, ino);
  argv[5] = num(env, mode);
  argv[6] = num(env, (double) offset);
  argv[7] = num(env, (double) length);
  argv[8] = FH(fi);
  dispatch(s, req, OP_FALLOCATE, 9, argv, 0);
}

static void ll_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, struct fuse_file_info *fi_in,
                               fuse_ino_t ino_out, off_t off_out, struct fuse_file_info *fi_out, size_t len, int flags) {
  BEGIN(8);
  if ((double) off_in + (double) len > MAX_SAFE || (double) off_out + (double) len > MAX_SAFE) {
    fuse_reply_err(req, EFBIG);
    return;
  }
  argv[4] = u64v(env, ino_in);
  argv[5] = num(env, (double) off_in);
  argv[6] = FH(fi_in);
  argv[7] = u64v(env, ino_out);
  argv[8] = num(env, (double) off_out);
  argv[9] = FH(fi_out);
  argv[10] = num(env, (double) len);
  argv[11] = num(env, flags);
  dispatch(s, req, OP_COPY_FILE_RANGE, 12, argv, 0);
}

static void ll_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi) {
  BEGIN(4);
  if ((double) off > MAX_SAFE) {
    fuse_reply_err(req, ENXIO);
    return;
  }
  argv[4] = u64v(env, ino);
  argv[5] = num(env, (double) off);
  argv[6] = num(env, whence);
  argv[7] = FH(fi);
  dispatch(s, req, OP_LSEEK, 8, argv, 0);
}

// ---- the session's I/O: libfuse's own, with the INIT reply completed ----------------------------
/** struct fuse_out_header of <linux/fuse.h>: what every message to the kernel starts with. */
struct out_header {
  uint32_t len;
  int32_t error;
  uint64_t unique;
};

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata) {
  session_t *s = userdata;
  if (s->init_flags_to_add && count >= 2 && iov[0].iov_len >= sizeof(struct out_header) && iov[1].iov_len >= INIT_OUT_FLAGS_AT + 4) {
    // the first reply after ll_init is the INIT reply (notifications carry unique 0)
    const struct out_header *h = iov[0].iov_base;
    if (h->unique != 0) {
      if (h->error == 0) {
        uint32_t flags;
        memcpy(&flags, (char *) iov[1].iov_base + INIT_OUT_FLAGS_AT, sizeof flags);
        flags |= s->init_flags_to_add;
        memcpy((char *) iov[1].iov_base + INIT_OUT_FLAGS_AT, &flags, sizeof flags);
      }
      s->init_flags_to_add = 0;
    }
  }
  return writev(fd, iov, count);
}

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata) {
  (void) userdata;
  return read(fd, buf, len);
}

static const struct fuse_custom_io SESSION_IO = { .writev = io_writev, .read = io_read };

// ---- the event loop: receive, handle, spin --------------------------------------------------
static void session_end(session_t *s, int why);

/** Receives and handles up to `max` requests; JavaScript's queued jobs run once at the end. */
static int pump(session_t *s, int max) {
  napi_env env = s->env;
  napi_handle_scope hs;
  napi_open_handle_scope(env, &hs);
  napi_value resource;
  napi_get_reference_value(env, s->resource, &resource);
  napi_callback_scope cs;
  napi_open_callback_scope(env, resource, s->actx, &cs);
  s->in_pump = 1;
  int n = 0, ended = -1;
  while (n < max && s->state == S_MOUNTED && !s->close_requested) {
    int res = fuse_session_receive_buf(s->se, &s->buf);
    if (res == -EINTR) continue;
    if (res == -EAGAIN) break;
    if (res <= 0 || fuse_session_exited(s->se)) {
      ended = res < 0 ? -res : ENODEV;
      break;
    }
    n++;
    napi_handle_scope rs;
    napi_open_handle_scope(env, &rs);
    fuse_session_process_buf(s->se, &s->buf);
    if (s->nintr) deliver_interrupts(s);
    napi_close_handle_scope(env, rs);
    if (fuse_session_exited(s->se)) {
      ended = EPROTO; // INIT refused (libfuse says why on stderr)
      break;
    }
  }
  s->in_pump = 0;
  // closing the outermost callback scope runs process.nextTick callbacks and promise jobs:
  // the replies of handlers that awaited something already settled go out now
  napi_close_callback_scope(env, cs);
  napi_close_handle_scope(env, hs);
  s->requests += n;
  if (n) s->activity = 1;
  if (ended >= 0) session_end(s, ended);
  else if (s->close_requested) session_end(s, 0);
  return n;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void) events;
  session_t *s = h->data;
  if (s->state != S_MOUNTED) return;
  if (status < 0) {
    // /dev/fuse reports POLLERR once the connection is gone: unmounted, or aborted
    session_end(s, ENODEV);
    return;
  }
  s->wakeups++;
  // woken by the kernel soon after our last reply: requests come back to back, and a short
  // spin would have caught this one without a sleep and a wake-up
  if (s->spin_off && s->spin_ns && uv_hrtime() - s->last_reply_ns < s->spin_ns * SPIN_REARM_WINDOWS) {
    s->spin_off = 0;
    s->misses = 0;
  }
  pump(s, PUMP_BATCH);
}

/**
 * Runs just before libuv waits for events. After FUSE traffic in this turn of the loop, poll
 * the FUSE descriptor (and the loop's own, so that nothing else waits on us) for up to
 * spin_ns before letting the thread sleep: waking a sleeping vCPU costs more than a request.
 */
static void on_prepare(uv_prepare_t *h) {
  session_t *s = h->data;
  if (s->state != S_MOUNTED || !s->spin_ns || !s->activity) return;
  s->activity = 0;
  if (s->spin_off) return;
  struct pollfd fds[2] = { { .fd = s->fd, .events = POLLIN }, { .fd = uv_backend_fd(s->loop), .events = POLLIN } };
  uint64_t start = uv_hrtime(), deadline = start + s->spin_ns;
  for (;;) {
    if (uv_backend_timeout(s->loop) == 0) break; // a timer, an immediate or a callback is due
    int r = poll(fds, 2, 0);
    if (r > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
      s->spin_hits++;
      s->misses = 0;
      pump(s, PUMP_BATCH);
      if (s->state != S_MOUNTED) break;
      s->activity = 0;
      deadline = uv_hrtime() + s->spin_ns;
      continue;
    }
    if (r > 0) break; // other I/O is ready: libuv's turn
    // let whatever else is runnable on this CPU go first (the process that will send the
    // next request, on a busy machine): returns at once when nothing is
    uint64_t before = uv_hrtime();
    sched_yield();
    uint64_t now = uv_hrtime();
    if (now - before > SPIN_BUSY_NS) {
      // something else ran meanwhile: the CPU is wanted; poll once more, then give it up
      if (poll(fds, 1, 0) > 0) continue;
      s->spin_misses++;
      if (++s->misses >= SPIN_MISSES_OFF) s->spin_off = 1;
      break;
    }
    if (now >= deadline) {
      s->spin_misses++;
      if (++s->misses >= SPIN_MISSES_OFF) s->spin_off = 1;
      break;
    }
  }
  s->spin_total_ns += (double) (uv_hrtime() - start);
}

// ---- notifications, from a thread of their own ----------------------------------------------
static void *notify_thread(void *arg) {
  session_t *s = arg;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->queue && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
    if (!s->queue) break;
    notice_t *n = s->queue;
    s->queue = n->next;
    if (!s->queue) s->queue_tail = NULL;
    s->busy = 1;
    pthread_mutex_unlock(&s->mu);
    // may block in the kernel until the main thread has answered a request that holds an
    // inode or page lock this notification needs
    switch (n->kind) {
      case N_INVAL_INODE: n->result = fuse_lowlevel_notify_inval_inode(s->se, n->a, n->off, n->len); break;
      case N_INVAL_ENTRY: n->result = fuse_lowlevel_notify_inval_entry(s->se, n->a, n->name, n->namelen); break;
      case N_DELETE: n->result = fuse_lowlevel_notify_delete(s->se, n->a, n->b, n->name, n->namelen); break;
    }
    pthread_mutex_lock(&s->mu);
    s->busy = 0;
    n->next = s->done;
    s->done = n;
    pthread_cond_broadcast(&s->cv);
    uv_async_send(&s->notify_async);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

static napi_value errno_error(napi_env env, int err, const char *what) {
  const char *code = strerrorname_np(err);
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value c, m, e;
  napi_create_string_utf8(env, code ? code : "EIO", NAPI_AUTO_LENGTH, &c);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, c, m, &e);
  return e;
}

/** Settles the promises of notifications written (or dropped); `can_call` false at teardown of the environment. */
static void settle_notices(session_t *s, notice_t *list, int can_call) {
  napi_env env = s->env;
  while (list) {
    notice_t *n = list;
    list = n->next;
    if (can_call) {
      if (n->result == 0 || n->result == -ENOENT) {
        // resolved with whether the kernel held anything to invalidate
        napi_resolve_deferred(env, n->deferred, boolv(env, n->result == 0));
      } else {
        napi_reject_deferred(env, n->deferred, errno_error(env, -n->result, "cannot notify the kernel"));
      }
    }
    free(n->name);
    free(n);
  }
}

static void on_notified(uv_async_t *h) {
  session_t *s = h->data;
  pthread_mutex_lock(&s->mu);
  notice_t *list = s->done;
  s->done = NULL;
  pthread_mutex_unlock(&s->mu);
  if (!list) return;
  napi_env env = s->env;
  napi_handle_scope hs;
  napi_open_handle_scope(env, &hs);
  napi_value resource;
  napi_get_reference_value(env, s->resource, &resource);
  napi_callback_scope cs;
  napi_open_callback_scope(env, resource, s->actx, &cs);
  settle_notices(s, list, 1);
  napi_close_callback_scope(env, cs);
  napi_close_handle_scope(env, hs);
}

// ---- ending a session ----------------------------------------------------------------------
static void free_session(session_t *s) {
  napi_env env = s->env;
  for (int i = 0; i < OP_COUNT; i++) {
    if (s->handlers[i]) napi_delete_reference(env, s->handlers[i]);
  }
  napi_delete_reference(env, s->on_init);
  napi_delete_reference(env, s->on_interrupt);
  napi_delete_reference(env, s->on_end);
  napi_delete_reference(env, s->resource);
  napi_async_destroy(env, s->actx);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s->intr);
  free(s->mountpoint);
  free(s);
}

static void on_handle_closed(uv_handle_t *h) {
  session_t *s = h->data;
  if (--s->open_handles == 0) free_session(s);
}

static void env_cleanup(void *arg);

/**
 * Ends the session: answers what JavaScript still holds with EIO, lets the notification
 * thread finish (answering new requests meanwhile, so the kernel can release whatever it
 * waits for), unmounts, and tells JavaScript why (unless the environment is going away).
 */
static void teardown(session_t *s, int why, int can_call) {
  napi_env env = s->env;
  if (s->state != S_MOUNTED) return;
  s->state = S_CLOSING;
  s->end_errno = why;
  napi_handle_scope hs;
  napi_open_handle_scope(env, &hs);
  uv_poll_stop(&s->poll);
  addon_t *a = s->addon;
  for (uint32_t i = 0; i < a->nslots; i++) {
    slot_t *sl = &a->slots[i];
    if (sl->req && sl->s == s) {
      fuse_reply_err(sl->req, EIO);
      slot_free(env, a, sl);
    }
  }
  notice_t *dropped = NULL;
  if (s->thread_started) {
    pthread_mutex_lock(&s->mu);
    // notifications not yet written are dropped (ENOTCONN); the one being written finishes
    while (s->queue) {
      notice_t *n = s->queue;
      s->queue = n->next;
      n->result = -ENOTCONN;
      n->next = dropped;
      dropped = n;
    }
    s->queue_tail = NULL;
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    uint64_t give_up = uv_hrtime() + (uint64_t) NOTIFY_DRAIN_MS * 1000000;
    while (s->busy && uv_hrtime() < give_up) {
      pthread_mutex_unlock(&s->mu);
      // requests that arrive now are answered EIO by dispatch(); the kernel may need them
      // answered to let the notification through
      struct pollfd p = { .fd = s->fd, .events = POLLIN };
      if (poll(&p, 1, 10) > 0) {
        int res = fuse_session_receive_buf(s->se, &s->buf);
        if (res > 0) fuse_session_process_buf(s->se, &s->buf);
      }
      pthread_mutex_lock(&s->mu);
    }
    int stuck = s->busy;
    pthread_mutex_unlock(&s->mu);
    if (stuck) {
      // never seen; rather leak the session than hang the process on it
      pthread_detach(s->thread);
      fprintf(stderr, "dfs: a FUSE notification is still blocked in the kernel after %d ms; unmounting anyway\n", NOTIFY_DRAIN_MS);
    } else {
      pthread_join(s->thread, NULL);
    }
    s->thread_started = stuck ? -1 : 0;
  }
  live_remove(s);
  fuse_session_unmount(s->se);
  if (s->thread_started != -1) {
    fuse_session_destroy(s->se);
    s->se = NULL;
  }
  free(s->buf.mem);
  s->buf.mem = NULL;
  while (s->npool) free(s->pool[--s->npool]);
  s->state = S_CLOSED;
  if (can_call) napi_remove_env_cleanup_hook(env, env_cleanup, s);

  pthread_mutex_lock(&s->mu);
  notice_t *done = s->done;
  s->done = NULL;
  pthread_mutex_unlock(&s->mu);
  if (!can_call) {
    settle_notices(s, done, 0);
    settle_notices(s, dropped, 0);
  } else {
    napi_value fn, arg = num(env, why), ignored, resource;
    napi_get_reference_value(env, s->resource, &resource);
    napi_callback_scope cs;
    napi_open_callback_scope(env, resource, s->actx, &cs);
    settle_notices(s, done, 1);
    settle_notices(s, dropped, 1);
    napi_get_reference_value(env, s->on_end, &fn);
    check_exception(env, napi_call_function(env, undef(env), fn, 1, &arg, &ignored));
    napi_close_callback_scope(env, cs);
  }
  napi_close_handle_scope(env, hs);
  if (s->thread_started == -1) return; // the blocked thread still uses the session
  s->open_handles = 3;
  uv_close((uv_handle_t *) &s->poll, on_handle_closed);
  uv_close((uv_handle_t *) &s->prepare, on_handle_closed);
  uv_close((uv_handle_t *) &s->notify_async, on_handle_closed);
}

static void session_end(session_t *s, int why) {
  if (s->in_pump) {
    s->close_requested = 1;
    return;
  }
  teardown(s, why, 1);
}

static void env_cleanup(void *arg) {
  session_t *s = arg;
  teardown(s, 0, 0);
}

// ---- exports: mounting ---------------------------------------------------------------------
static session_t *session_arg(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static int get_prop_num(napi_env env, napi_value obj, const char *name, double *out) {
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  napi_typeof(env, v, &t);
  if (t != napi_number) return 0;
  napi_get_value_double(env, v, out);
  return 1;
}

static napi_ref func_ref(napi_env env, napi_value obj, const char *name) {
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return NULL;
  napi_typeof(env, v, &t);
  if (t != napi_function) return NULL;
  napi_ref r;
  napi_create_reference(env, v, 1, &r);
  return r;
}

static const struct fuse_lowlevel_ops ALL_OPS = {
  .init = ll_init, .lookup = ll_lookup, .forget = ll_forget, .forget_multi = ll_forget_multi,
  .getattr = ll_getattr, .setattr = ll_setattr, .readlink = ll_readlink, .mknod = ll_mknod,
  .mkdir = ll_mkdir, .unlink = ll_unlink, .rmdir = ll_rmdir, .symlink = ll_symlink,
  .rename = ll_rename, .link = ll_link, .open = ll_open, .read = ll_read, .write = ll_write,
  .flush = ll_flush, .release = ll_release, .fsync = ll_fsync, .opendir = ll_opendir,
  .readdir = ll_readdir, .readdirplus = ll_readdirplus, .releasedir = ll_releasedir,
  .fsyncdir = ll_fsyncdir, .statfs = ll_statfs, .setxattr = ll_setxattr,
  .getxattr = ll_getxattr, .listxattr = ll_listxattr, .removexattr = ll_removexattr,
  .access = ll_access, .create = ll_create, .getlk = ll_getlk, .setlk = ll_setlk,
  .flock = ll_flock, .fallocate = ll_fallocate, .copy_file_range = ll_copy_file_range,
  .lseek = ll_lseek,
};

/** libfuse calls only the operations that are set: the rest it answers ENOSYS. */
static void select_ops(struct fuse_lowlevel_ops *ops, napi_ref *h) {
  memset(ops, 0, sizeof *ops);
  ops->init = ALL_OPS.init;
#define PICK(op, field) if (h[op]) ops->field = ALL_OPS.field
  PICK(OP_LOOKUP, lookup); PICK(OP_FORGET, forget); PICK(OP_FORGET, forget_multi);
  PICK(OP_GETATTR, getattr); PICK(OP_SETATTR, setattr); PICK(OP_READLINK, readlink);
  PICK(OP_MKNOD, mknod); PICK(OP_MKDIR, mkdir); PICK(OP_UNLINK, unlink); PICK(OP_RMDIR, rmdir);
  PICK(OP_SYMLINK, symlink); PICK(OP_RENAME, rename); PICK(OP_LINK, link); PICK(OP_OPEN, open);
  PICK(OP_READ, read); PICK(OP_WRITE, write); PICK(OP_FLUSH, flush); PICK(OP_RELEASE, release);
  PICK(OP_FSYNC, fsync); PICK(OP_OPENDIR, opendir); PICK(OP_READDIR, readdir);
  PICK(OP_READDIRPLUS, readdirplus); PICK(OP_RELEASEDIR, releasedir); PICK(OP_FSYNCDIR, fsyncdir);
  PICK(OP_STATFS, statfs); PICK(OP_SETXATTR, setxattr); PICK(OP_GETXATTR, getxattr);
  PICK(OP_LISTXATTR, listxattr); PICK(OP_REMOVEXATTR, removexattr); PICK(OP_ACCESS, access);
  PICK(OP_CREATE, create); PICK(OP_GETLK, getlk); PICK(OP_SETLK, setlk); PICK(OP_FLOCK, flock);
  PICK(OP_FALLOCATE, fallocate); PICK(OP_COPY_FILE_RANGE, copy_file_range); PICK(OP_LSEEK, lseek);
#undef PICK
}

/**
 * mount(mountpoint, args, handlers, callbacks, config) → session. `args` is libfuse's
 * argument vector after the program name (["-o", "fsname=dfs,..."]); `handlers` has a
 * function per operation the file system implements; `callbacks` holds init(conn),
 * interrupt(id) and end(errno); `config` the numbers applied at INIT. Throws with
 * libfuse's own words when it refuses.
 */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type(env, "mount(mountpoint, args, handlers, callbacks, config)");
  char *mountpoint = str_arg(env, argv[0], NULL);
  if (!mountpoint) return throw_type(env, "mountpoint must be a string");
  uint32_t nargs = 0;
  if (napi_get_array_length(env, argv[1], &nargs) != napi_ok) {
    free(mountpoint);
    return throw_type(env, "args must be an array of strings");
  }

  session_t *s = calloc(1, sizeof *s);
  s->env = env;
  s->addon = addon_of(env);
  s->mountpoint = mountpoint;
  s->fd = -1;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  for (int i = 0; i < OP_COUNT; i++) s->handlers[i] = func_ref(env, argv[2], OP_NAMES[i]);
  s->on_init = func_ref(env, argv[3], "init");
  s->on_interrupt = func_ref(env, argv[3], "interrupt");
  s->on_end = func_ref(env, argv[3], "end");
  napi_value resource, resource_name;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_create_string_utf8(env, "dfs.fuse", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, resource, resource_name, &s->actx);
  double d;
  if (get_prop_num(env, argv[4], "maxWrite", &d)) s->max_write = (unsigned) d;
  if (get_prop_num(env, argv[4], "maxReadahead", &d)) s->max_readahead = (unsigned) d;
  if (get_prop_num(env, argv[4], "maxBackground", &d)) s->max_background = (unsigned) d;
  if (get_prop_num(env, argv[4], "congestionThreshold", &d)) s->congestion_threshold = (unsigned) d;
  if (get_prop_num(env, argv[4], "wantSet", &d)) s->want_set = to_u64(d);
  if (get_prop_num(env, argv[4], "wantClear", &d)) s->want_clear = to_u64(d);
  if (get_prop_num(env, argv[4], "spinMicros", &d)) s->spin_ns = to_u64(d * 1000);
  if (!s->on_init || !s->on_interrupt || !s->on_end) {
    free_session(s);
    return throw_type(env, "callbacks must have init, interrupt and end functions");
  }

  // libfuse's argument vector: a program name, then the caller's arguments
  char **fargv = calloc(nargs + 2, sizeof(char *));
  fargv[0] = strdup("dfs");
  int ok = 1;
  for (uint32_t i = 0; i < nargs; i++) {
    napi_value v;
    napi_get_element(env, argv[1], i, &v);
    fargv[i + 1] = str_arg(env, v, NULL);
    if (!fargv[i + 1]) ok = 0;
  }
  struct fuse_args fargs = FUSE_ARGS_INIT((int) nargs + 1, fargv);
  struct fuse_lowlevel_ops ops;
  select_ops(&ops, s->handlers);
  char why[1024] = "";
  if (ok) {
    pthread_mutex_lock(&log_mu);
    last_log[0] = 0;
    pthread_mutex_unlock(&log_mu);
    s->se = fuse_session_new(&fargs, &ops, sizeof ops, s);
    if (s->se && (fuse_session_mount(s->se, mountpoint) != 0 || fuse_session_custom_io(s->se, &SESSION_IO, fuse_session_fd(s->se)) != 0)) {
      fuse_session_unmount(s->se);
      fuse_session_destroy(s->se);
      s->se = NULL;
    }
    pthread_mutex_lock(&log_mu);
    snprintf(why, sizeof why, "%s", last_log);
    pthread_mutex_unlock(&log_mu);
  }
  fuse_opt_free_args(&fargs);
  for (uint32_t i = 0; i <= nargs; i++) free(fargv[i]);
  free(fargv);
  if (!ok) {
    free_session(s);
    return throw_type(env, "args must be an array of strings");
  }
  if (!s->se) {
    size_t l = strlen(why);
    while (l && (why[l - 1] == '\n' || why[l - 1] == ' ')) why[--l] = 0;
    for (char *p = why; *p; p++) if (*p == '\n') *p = ';';
    char msg[1200];
    snprintf(msg, sizeof msg, "libfuse cannot mount %s: %s", mountpoint, why[0] ? why : "no reason given");
    free_session(s);
    napi_throw_error(env, "EIO", msg);
    return NULL;
  }

  s->fd = fuse_session_fd(s->se);
  fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
  napi_get_uv_event_loop(env, &s->loop);
  uv_poll_init(s->loop, &s->poll, s->fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_poll);
  uv_prepare_init(s->loop, &s->prepare);
  s->prepare.data = s;
  uv_prepare_start(&s->prepare, on_prepare);
  uv_unref((uv_handle_t *) &s->prepare);
  uv_async_init(s->loop, &s->notify_async, on_notified);
  s->notify_async.data = s;
  uv_unref((uv_handle_t *) &s->notify_async);
  s->state = S_MOUNTED;
  if (pthread_create(&s->thread, NULL, notify_thread, s) == 0) s->thread_started = 1;
  live_add(s);
  if (!atexit_registered) {
    atexit_registered = 1;
    atexit(unmount_at_exit);
  }
  napi_add_env_cleanup_hook(env, env_cleanup, s);
  napi_value ext;
  napi_create_external(env, s, NULL, NULL, &ext);
  return ext;
}

/** unmount(session): ends the session (its end callback says when); a no-op once ended. */
static napi_value js_unmount(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  session_t *s = argc ? session_arg(env, argv[0]) : NULL;
  if (!s) return throw_type(env, "unmount(session)");
  if (s->state == S_MOUNTED) session_end(s, 0);
  return undef(env);
}

/** notify(session, kind, a, b, off, len, name) → Promise<boolean>: queued for the notification thread. */
static napi_value js_notify(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  session_t *s = argc == 7 ? session_arg(env, argv[0]) : NULL;
  if (!s) return throw_type(env, "notify(session, kind, a, b, off, len, name)");
  napi_value promise;
  napi_deferred deferred;
  napi_create_promise(env, &deferred, &promise);
  if (s->state != S_MOUNTED || s->thread_started != 1) {
    napi_reject_deferred(env, deferred, errno_error(env, ENOTCONN, "cannot notify the kernel"));
    return promise;
  }
  notice_t *n = calloc(1, sizeof *n);
  n->kind = (enum notice_kind) arg_num(env, argv[1]);
  n->a = to_u64(arg_num(env, argv[2]));
  n->b = to_u64(arg_num(env, argv[3]));
  n->off = to_i64(arg_num(env, argv[4]));
  n->len = to_i64(arg_num(env, argv[5]));
  n->deferred = deferred;
  napi_valuetype t;
  napi_typeof(env, argv[6], &t);
  if (t == napi_string) n->name = str_arg(env, argv[6], &n->namelen);
  pthread_mutex_lock(&s->mu);
  if (s->queue_tail) s->queue_tail->next = n;
  else s->queue = n;
  s->queue_tail = n;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return promise;
}

/** stats(session) → counters of the loop and the spin. */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  session_t *s = argc ? session_arg(env, argv[0]) : NULL;
  if (!s) return throw_type(env, "stats(session)");
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "requests", num(env, s->requests));
  napi_set_named_property(env, o, "wakeups", num(env, s->wakeups));
  napi_set_named_property(env, o, "spinHits", num(env, s->spin_hits));
  napi_set_named_property(env, o, "spinMisses", num(env, s->spin_misses));
  napi_set_named_property(env, o, "spinMicros", num(env, s->spin_total_ns / 1000));
  napi_set_named_property(env, o, "spinning", boolv(env, s->spin_ns && !s->spin_off));
  napi_set_named_property(env, o, "inFlight", num(env, s->in_flight));
  return o;
}

// ---- exports: replies ------------------------------------------------------------------------
/** The reply functions take the request id first; an answered request's id is a no-op (false). */
#define REPLY_PROLOGUE(n)                                   \
  size_t argc = (n);                                        \
  napi_value argv[(n) > 0 ? (n) : 1];                       \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);     \
  if (argc < (n)) return throw_type(env, "missing reply arguments"); \
  addon_t *a = addon_of(env);                               \
  slot_t *sl = slot_of(a, arg_num(env, argv[0]));           \
  if (!sl) return boolv(env, 0);                            \
  fuse_req_t req = sl->req

#define REPLY_DONE()          \
  slot_free(env, a, sl);      \
  return boolv(env, 1)

static void fill_stat(const double *v, struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_ino = to_u64(v[A_INO]);
  st->st_mode = (mode_t) to_u64(v[A_MODE]);
  st->st_nlink = (nlink_t) to_u64(v[A_NLINK]);
  st->st_uid = (uid_t) to_u64(v[A_UID]);
  st->st_gid = (gid_t) to_u64(v[A_GID]);
  st->st_rdev = (dev_t) to_u64(v[A_RDEV]);
  st->st_size = to_i64(v[A_SIZE]);
  st->st_blocks = to_i64(v[A_BLOCKS]);
  st->st_blksize = (blksize_t) to_i64(v[A_BLKSIZE]);
  st->st_atim.tv_sec = to_i64(v[A_ATIME]);
  st->st_atim.tv_nsec = to_i64(v[A_ATIME + 1]);
  st->st_mtim.tv_sec = to_i64(v[A_MTIME]);
  st->st_mtim.tv_nsec = to_i64(v[A_MTIME + 1]);
  st->st_ctim.tv_sec = to_i64(v[A_CTIME]);
  st->st_ctim.tv_nsec = to_i64(v[A_CTIME + 1]);
}

static void fill_entry(const double *v, struct fuse_entry_param *e) {
  memset(e, 0, sizeof *e);
  e->ino = to_u64(v[E_NODEID]);
  e->generation = to_u64(v[E_GENERATION]);
  e->attr_timeout = v[E_ATTR_TIMEOUT] > 0 ? v[E_ATTR_TIMEOUT] : 0;
  e->entry_timeout = v[E_ENTRY_TIMEOUT] > 0 ? v[E_ENTRY_TIMEOUT] : 0;
  if (e->ino) fill_stat(v, &e->attr);
}

static void fill_open(struct fuse_file_info *fi, double fh, uint32_t bits) {
  memset(fi, 0, sizeof *fi);
  fi->fh = to_u64(fh);
  fi->direct_io = (bits & OPEN_DIRECT_IO) != 0;
  fi->keep_cache = (bits & OPEN_KEEP_CACHE) != 0;
  fi->nonseekable = (bits & OPEN_NONSEEKABLE) != 0;
  fi->cache_readdir = (bits & OPEN_CACHE_READDIR) != 0;
  fi->noflush = (bits & OPEN_NOFLUSH) != 0;
}

/** replyErr(id, errno): 0 for success without data. */
static napi_value js_reply_err(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  int err = (int) arg_num(env, argv[1]);
  fuse_reply_err(req, err < 0 ? -err : err);
  REPLY_DONE();
}

/** replyEntry(id, entry: Float64Array[ENTRY_LEN]). */
static napi_value js_reply_entry(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  double *v = f64(env, argv[1], ENTRY_LEN);
  if (!v) return throw_type(env, "replyEntry(id, Float64Array)");
  struct fuse_entry_param e;
  fill_entry(v, &e);
  fuse_reply_entry(req, &e);
  REPLY_DONE();
}

/** replyCreate(id, entry, fh, openBits). */
static napi_value js_reply_create(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(4);
  double *v = f64(env, argv[1], ENTRY_LEN);
  if (!v) return throw_type(env, "replyCreate(id, Float64Array, fh, bits)");
  struct fuse_entry_param e;
  struct fuse_file_info fi;
  fill_entry(v, &e);
  fill_open(&fi, arg_num(env, argv[2]), (uint32_t) arg_num(env, argv[3]));
  fuse_reply_create(req, &e, &fi);
  REPLY_DONE();
}

/** replyAttr(id, attrReply: Float64Array[ATTR_REPLY_LEN]). */
static napi_value js_reply_attr(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  double *v = f64(env, argv[1], ATTR_REPLY_LEN);
  if (!v) return throw_type(env, "replyAttr(id, Float64Array)");
  struct stat st;
  fill_stat(v, &st);
  fuse_reply_attr(req, &st, v[AR_TIMEOUT] > 0 ? v[AR_TIMEOUT] : 0);
  REPLY_DONE();
}

/** replyReadlink(id, target). */
static napi_value js_reply_readlink(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  char *target = str_arg(env, argv[1], NULL);
  if (!target) return throw_type(env, "replyReadlink(id, string)");
  fuse_reply_readlink(req, target);
  free(target);
  REPLY_DONE();
}

/** replyOpen(id, fh, openBits). */
static napi_value js_reply_open(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(3);
  struct fuse_file_info fi;
  fill_open(&fi, arg_num(env, argv[1]), (uint32_t) arg_num(env, argv[2]));
  fuse_reply_open(req, &fi);
  REPLY_DONE();
}

/** replyWrite(id, count) (write, copy_file_range). */
static napi_value js_reply_write(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  fuse_reply_write(req, (size_t) to_u64(arg_num(env, argv[1])));
  REPLY_DONE();
}

/** replyData(id, Uint8Array | Uint8Array[]): read data or xattr bytes, cut at the size asked for. */
static napi_value js_reply_data(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  bool is_array = false;
  napi_is_array(env, argv[1], &is_array);
  uint32_t count = 1;
  if (is_array) napi_get_array_length(env, argv[1], &count);
  struct iovec small[8];
  struct iovec *iov = count <= 8 ? small : malloc(count * sizeof *iov);
  size_t total = 0, limit = sl->max_reply;
  int n = 0;
  for (uint32_t i = 0; i < count && total < limit; i++) {
    napi_value v = argv[1];
    if (is_array) napi_get_element(env, argv[1], i, &v);
    napi_typedarray_type t;
    size_t len;
    void *data;
    if (napi_get_typedarray_info(env, v, &t, &len, &data, NULL, NULL) != napi_ok || t != napi_uint8_array) {
      if (iov != small) free(iov);
      return throw_type(env, "replyData(id, Uint8Array | Uint8Array[])");
    }
    if (len > limit - total) len = limit - total;
    iov[n].iov_base = data;
    iov[n].iov_len = len;
    total += len;
    n++;
  }
  fuse_reply_iov(req, iov, n);
  if (iov != small) free(iov);
  REPLY_DONE();
}

/** replyXattrSize(id, size): the answer to a getxattr or listxattr of size 0. */
static napi_value js_reply_xattr_size(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  fuse_reply_xattr(req, (size_t) to_u64(arg_num(env, argv[1])));
  REPLY_DONE();
}

/** replyStatfs(id, Float64Array[STATFS_LEN]). */
static napi_value js_reply_statfs(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  double *v = f64(env, argv[1], STATFS_LEN);
  if (!v) return throw_type(env, "replyStatfs(id, Float64Array)");
  struct statvfs st = {
    .f_bsize = to_u64(v[0]), .f_frsize = to_u64(v[1]), .f_blocks = to_u64(v[2]),
    .f_bfree = to_u64(v[3]), .f_bavail = to_u64(v[4]), .f_files = to_u64(v[5]),
    .f_ffree = to_u64(v[6]), .f_favail = to_u64(v[7]), .f_fsid = to_u64(v[8]),
    .f_flag = to_u64(v[9]), .f_namemax = to_u64(v[10]),
  };
  fuse_reply_statfs(req, &st);
  REPLY_DONE();
}

/** replyLock(id, Float64Array[type, whence, start, len, pid]). */
static napi_value js_reply_lock(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  double *v = f64(env, argv[1], LOCK_LEN);
  if (!v) return throw_type(env, "replyLock(id, Float64Array)");
  struct flock l;
  memset(&l, 0, sizeof l);
  l.l_type = (short) v[0];
  l.l_whence = (short) v[1];
  l.l_start = to_i64(v[2]);
  l.l_len = to_i64(v[3]);
  l.l_pid = (pid_t) v[4];
  fuse_reply_lock(req, &l);
  REPLY_DONE();
}

/** replyLseek(id, offset). */
static napi_value js_reply_lseek(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(2);
  fuse_reply_lseek(req, to_i64(arg_num(env, argv[1])));
  REPLY_DONE();
}

/**
 * replyDir(id, plus, count, names, numbers) → entries added: a readdir(plus) answer built
 * with libfuse's own encoders, as many entries as fit in the size the kernel asked for.
 */
static napi_value js_reply_dir(napi_env env, napi_callback_info info) {
  REPLY_PROLOGUE(5);
  bool plus = false;
  napi_get_value_bool(env, argv[1], &plus);
  uint32_t count = (uint32_t) to_u64(arg_num(env, argv[2]));
  size_t stride = plus ? DP_LEN : D_LEN;
  double *v = count ? f64(env, argv[4], count * stride) : NULL;
  if (count && !v) return throw_type(env, "replyDir(id, plus, count, names, Float64Array)");
  size_t size = sl->max_reply, pos = 0;
  char *buf = malloc(size ? size : 1);
  uint32_t added = 0;
  char name[1025];
  for (; added < count; added++) {
    napi_value nv;
    size_t len = 0;
    napi_get_element(env, argv[3], added, &nv);
    if (napi_get_value_string_utf8(env, nv, name, sizeof name, &len) != napi_ok || len == 0 || len >= sizeof name - 1) break;
    const double *e = v + added * stride;
    size_t need;
    if (plus) {
      struct fuse_entry_param ep;
      fill_entry(e, &ep);
      need = fuse_add_direntry_plus(req, buf + pos, size - pos, name, &ep, to_i64(e[ENTRY_LEN]));
    } else {
      struct stat st;
      memset(&st, 0, sizeof st);
      st.st_ino = to_u64(e[0]);
      st.st_mode = (mode_t) to_u64(e[1]);
      need = fuse_add_direntry(req, buf + pos, size - pos, name, &st, to_i64(e[2]));
    }
    if (need > size - pos) break;
    pos += need;
  }
  fuse_reply_buf(req, buf, pos);
  free(buf);
  slot_free(env, a, sl);
  return num(env, added);
}

/** groups(id) → the caller's supplementary groups, from /proc, while the request is unanswered. */
static napi_value js_groups(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  addon_t *a = addon_of(env);
  slot_t *sl = argc ? slot_of(a, arg_num(env, argv[0])) : NULL;
  if (!sl) {
    napi_throw(env, errno_error(env, EINVAL, "the request is answered already"));
    return NULL;
  }
  gid_t small[64];
  gid_t *list = small;
  int n = fuse_req_getgroups(sl->req, 64, small);
  if (n > 64) {
    list = malloc(n * sizeof(gid_t));
    n = fuse_req_getgroups(sl->req, n, list);
  }
  if (n < 0) {
    if (list != small) free(list);
    napi_throw(env, errno_error(env, -n, "cannot read the caller's groups"));
    return NULL;
  }
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (int i = 0; i < n; i++) napi_set_element(env, arr, i, num(env, list[i]));
  if (list != small) free(list);
  return arr;
}

static void addon_free(napi_env env, void *data, void *hint) {
  (void) env;
  (void) hint;
  addon_t *a = data;
  free(a->slots);
  free(a);
}

NAPI_MODULE_INIT() {
  addon_t *a = calloc(1, sizeof *a);
  a->free_head = UINT32_MAX;
  napi_set_instance_data(env, a, addon_free, NULL);
  fuse_set_log_func(log_func);
  struct { const char *name; napi_callback fn; } fns[] = {
    { "mount", js_mount }, { "unmount", js_unmount }, { "notify", js_notify }, { "stats", js_stats },
    { "groups", js_groups }, { "replyErr", js_reply_err }, { "replyEntry", js_reply_entry },
    { "replyCreate", js_reply_create }, { "replyAttr", js_reply_attr },
    { "replyReadlink", js_reply_readlink }, { "replyOpen", js_reply_open },
    { "replyWrite", js_reply_write }, { "replyData", js_reply_data },
    { "replyXattrSize", js_reply_xattr_size }, { "replyStatfs", js_reply_statfs },
    { "replyLock", js_reply_lock }, { "replyLseek", js_reply_lseek }, { "replyDir", js_reply_dir },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  napi_set_named_property(env, exports, "abi", num(env, DFS_LOWLEVEL_ABI));
  napi_value ver;
  napi_create_string_utf8(env, fuse_pkgversion(), NAPI_AUTO_LENGTH, &ver);
  napi_set_named_property(env, exports, "libfuseVersion", ver);
  return exports;
}

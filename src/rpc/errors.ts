// One error type carries a POSIX errno name end to end: storage node, master, client
// library, FUSE layer and CLI all speak ENOENT, EACCES, EIO. Callers branch on `code`.
import { constants } from 'node:os';

export const ERRNO_NAMES = [
  'EPERM',
  'ENOENT',
  'EIO',
  'EBADF',
  'EAGAIN',
  'EACCES',
  'EBUSY',
  'EEXIST',
  'EXDEV',
  'ENOTDIR',
  'EISDIR',
  'EINVAL',
  'EFBIG',
  'ENOSPC',
  'EROFS',
  'EMLINK',
  'ENAMETOOLONG',
  'ENOTEMPTY',
  'ELOOP',
  'ENOSYS',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EPROTO',
  'EMSGSIZE',
  'ENOTCONN',
  'ESTALE',
  'EBADMSG',
  'ENODATA',
  'ENOTSUP',
  'ERANGE',
  'EINTR',
  'ENXIO',
  'EDEADLK',
  'ENOLCK',
  'E2BIG',
  // what servers and clients meet on the network: a port taken, an address not ours, a host
  // name that does not resolve (getaddrinfo has no errno: EHOSTUNREACH is the nearest)
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EHOSTUNREACH',
] as const;
export type Errno = (typeof ERRNO_NAMES)[number];

const KNOWN = new Set<string>(ERRNO_NAMES);
export function isErrno(code: unknown): code is Errno {
  return typeof code === 'string' && KNOWN.has(code);
}

/** The negative number FUSE wants for an errno name. */
export function errnoNumber(code: Errno): number {
  const table = constants.errno as Record<string, number>;
  return table[code] ?? table.EIO;
}

export interface DfsErrorOptions {
  cause?: unknown;
  /**
   * A stable word that says more than the errno where a caller must branch on it (e.g.
   * EACCES + totp-required at login): one of src/protocol/reasons.ts. Travels on the wire;
   * never parse the message.
   */
  reason?: string;
}

export class DfsError extends Error {
  readonly code: Errno;
  readonly reason?: string;
  constructor(code: Errno, message?: string, options?: DfsErrorOptions) {
    super(message ? `${code}: ${message}` : code, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DfsError';
    this.code = code;
    if (options?.reason !== undefined) this.reason = options.reason;
  }
  /** The message without the leading errno, for the wire. */
  get detail(): string {
    return this.message.startsWith(`${this.code}: `) ? this.message.slice(this.code.length + 2) : '';
  }
}

/** Any thrown value as a DfsError; unknown failures become EIO (the only place that happens). */
export function toDfsError(err: unknown): DfsError {
  if (err instanceof DfsError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const reason = (err as { reason?: unknown } | null)?.reason;
  if (isErrno(code)) {
    return new DfsError(code, (err as Error).message, { cause: err, reason: typeof reason === 'string' ? reason : undefined });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DfsError('EIO', message, { cause: err });
}

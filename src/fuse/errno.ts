// The one place where a failure becomes the negative errno the kernel hands to the caller.
// Every error from the client library is a DfsError with a POSIX code and maps one to one;
// anything else is a bug or a failure nobody named, and the kernel gets EIO for it.
import { DfsError, errnoNumber, isErrno } from '../rpc/errors.js';

export type Log = (line: string) => void;

export function fuseErrno(err: unknown, log?: Log, what?: string): number {
  if (err instanceof DfsError) return -errnoNumber(err.code);
  const code = (err as { code?: unknown } | null)?.code;
  if (isErrno(code)) return -errnoNumber(code);
  log?.(`dfs mount: ${what ?? 'operation'} failed unexpectedly, answering EIO: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return -errnoNumber('EIO');
}

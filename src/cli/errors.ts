// How the CLI reports failure: one line a person understands, never a stack trace for a
// user's mistake, and a non-zero exit.
import util from 'node:util';
import { DfsError, errnoNumber, toDfsError } from '../rpc/errors.js';

export class UsageError extends Error {}

const systemMessages = util.getSystemErrorMap();

function describe(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  const e = toDfsError(err);
  const human = systemMessages.get(-errnoNumber(e.code))?.[1] ?? e.code;
  const detail = e.detail;
  return detail ? `${detail} (${e.code})` : `${human} (${e.code})`;
}

export function fail(err: unknown): never {
  process.stderr.write(`dfs: ${describe(err)}\n`);
  if (process.env.DFS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
}

/** Wraps a commander action so every failure ends in `fail`. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      fail(err);
    }
  };
}

export function notLoggedIn(): DfsError {
  return new DfsError('EACCES', 'not logged in: run `dfs login --master URL --user NAME` first');
}

// Turns the CLI's flags, environment and saved login into a connected client.
import fs from 'node:fs';
import { DfsClient } from '../client/client.js';
import { loadSession } from './config.js';
import { notLoggedIn, UsageError } from './errors.js';

export interface GlobalOptions {
  master?: string;
  ca?: string;
}

export function masterUrl(opts: GlobalOptions): string {
  const url = opts.master ?? process.env.DFS_MASTER ?? loadSession()?.master;
  if (!url) throw new UsageError('no master: pass --master URL, set DFS_MASTER, or log in');
  if (!/^wss?:\/\/[^/]+/.test(url)) throw new UsageError(`not a master URL (ws://host:port or wss://host:port): ${url}`);
  return url;
}

export function readCa(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    throw new UsageError(`cannot read CA file ${file}`);
  }
}

/** A client with the saved session's token, when it is for this master. */
export function sessionClient(opts: GlobalOptions, tuning: { cacheBytes?: number } = {}): DfsClient {
  const url = masterUrl(opts);
  const saved = loadSession();
  const token = saved && saved.master === url ? saved.token : undefined;
  if (!token) throw notLoggedIn();
  return new DfsClient(url, { token, ca: readCa(opts.ca ?? process.env.DFS_CA ?? saved?.ca), cacheBytes: tuning.cacheBytes });
}

/** Runs `fn` with a logged-in client and closes it afterwards. */
export async function withClient<T>(opts: GlobalOptions, fn: (c: DfsClient) => Promise<T>): Promise<T> {
  const c = sessionClient(opts);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

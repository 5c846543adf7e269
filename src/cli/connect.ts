// Turns the CLI's flags, environment and saved login into a connected client.
import fs from 'node:fs';
import { DfsClient } from '../client/client.js';
import { loadSession } from './config.js';
import { DfsError } from '../rpc/errors.js';
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
export function sessionClient(opts: GlobalOptions, tuning: { cacheBytes?: number; mountpoint?: string } = {}): DfsClient {
  const url = masterUrl(opts);
  const saved = loadSession();
  if (saved && saved.master !== url) {
    const from = opts.master !== undefined ? '--master' : 'DFS_MASTER';
    throw new DfsError('EACCES', `the saved login is for ${saved.master}, not ${url} (from ${from}): drop ${from}, or \`dfs login --master ${url} --user NAME\``);
  }
  if (!saved) throw notLoggedIn();
  return new DfsClient(url, {
    token: saved.token,
    ca: readCa(opts.ca ?? process.env.DFS_CA ?? saved.ca),
    cacheBytes: tuning.cacheBytes,
    announce: { kind: tuning.mountpoint ? 'mount' : 'cli', mountpoint: tuning.mountpoint },
  });
}

/** The CA for `url`: --ca, $DFS_CA, else the one saved with a login to the same master. */
export function caFileFor(opts: GlobalOptions, url: string): string | undefined {
  const saved = loadSession();
  return opts.ca ?? process.env.DFS_CA ?? (saved?.master === url ? saved.ca : undefined);
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

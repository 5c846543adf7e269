// The dfs mount's by-inode layer on the in-memory backend, served by a child process
// (inode-child.ts) at a fresh directory, with commands to it and a teardown that always
// ends the child and the mount.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Teardown } from './cluster.js';
import type { InodeChildCommand, InodeChildConfig } from './inode-child.js';
import { mountChild, type ChildMount } from './lowlevel-mount.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'inode-child.js');

export type InodeMount = ChildMount<InodeChildCommand>;

/** `opts.create` false: the mount point is used as it is, missing or not. */
export function mountInodeFs(t: Teardown, cfg: InodeChildConfig = {}, opts: { dir?: string; create?: boolean } = {}): Promise<InodeMount> {
  return mountChild<InodeChildCommand>(t, CHILD, cfg, opts);
}

export interface InodeStats {
  calls: Record<string, number>;
  writeSizes: Record<string, number>;
  fs: {
    nodes: number;
    names: { resolved: number; absent: number };
    openFiles: number;
    openDirs: number;
    cache: { channelUp: boolean; heard: number; sentInodes: number; sentEntries: number; breaks: number };
  };
  store: { inodes: number; orphans: number; holds: number };
  published: number;
  lost: number;
}

export function stats(m: InodeMount): Promise<InodeStats> {
  return m.ask<InodeStats>({ cmd: 'stats' });
}

/** How many times the mount asked the backend for `op`. */
export async function calls(m: InodeMount, op: string): Promise<number> {
  return (await stats(m)).calls[op] ?? 0;
}

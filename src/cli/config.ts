// Where the CLI keeps its session: $DFS_CONFIG_DIR, else $XDG_CONFIG_HOME/dfs, else
// ~/.config/dfs. The token file is 0600: it is a password for as long as it lives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicSync } from '../fsutil/atomic-file.js';

export interface SavedSession {
  master: string;
  token: string;
  user: string;
  expires: number;
  /** PEM CA file for wss:// masters, if one was given at login. */
  ca?: string;
}

function configDir(): string {
  if (process.env.DFS_CONFIG_DIR) return process.env.DFS_CONFIG_DIR;
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'dfs');
}

const sessionFile = (): string => path.join(configDir(), 'session.json');

export function loadSession(): SavedSession | undefined {
  try {
    return JSON.parse(fs.readFileSync(sessionFile(), 'utf8')) as SavedSession;
  } catch {
    return undefined;
  }
}

export function saveSession(s: SavedSession): void {
  fs.mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  // two logins at once each write a temporary file of their own; the last rename wins whole
  writeFileAtomicSync(sessionFile(), (fd) => fs.writeFileSync(fd, JSON.stringify(s, null, 2) + '\n'), { tmp: `${sessionFile()}.${process.pid}.tmp` });
}

export function clearSession(): void {
  fs.rmSync(sessionFile(), { force: true });
}

#!/usr/bin/env node
// Writes dist/src/build-info.json: the git commit the build was made from (with "-dirty"
// when the tracked files differ from it), which `dfs --version` and `dfs status` show.
// Run by `npm run build` after tsc. Without git (a build from a tarball), "unknown".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const git = (...args) => {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};
const head = git('rev-parse', '--short=12', 'HEAD');
const dirty = head !== undefined && git('status', '--porcelain', '--untracked-files=no') !== '';
const commit = head === undefined ? 'unknown' : `${head}${dirty ? '-dirty' : ''}`;
const out = path.join(root, 'dist', 'src', 'build-info.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ commit }) + '\n');

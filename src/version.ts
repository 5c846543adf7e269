// What this build is: the package's version and the git commit it was built from, which
// `npm run build` stamps into dist/src/build-info.json (scripts/stamp-build.mjs). A build
// made without git says "unknown".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  commit: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
let cached: BuildInfo | undefined;

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const pkg = readJson(path.join(here, '..', '..', 'package.json'));
  const stamp = readJson(path.join(here, 'build-info.json'));
  cached = {
    version: typeof pkg?.version === 'string' ? pkg.version : '0.0.0',
    commit: typeof stamp?.commit === 'string' ? stamp.commit : 'unknown',
  };
  return cached;
}

/** "0.1.0 (commit 1a2b3c4d5e6f)", as `dfs --version` and `dfs status` show it. */
export function versionString(info: BuildInfo = buildInfo()): string {
  return `${info.version} (commit ${info.commit})`;
}

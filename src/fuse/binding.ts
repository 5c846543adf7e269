// Which native addon fuse-native loaded. dfs needs its own patched build of it
// (scripts/build-fuse-native.mjs, run by `npm ci`): with the upstream prebuild, utimens
// receives the access time as the modification time and never sees an mtime-only change,
// so `touch -m`, `cp -p`, `tar x` and `rsync -t` would be told they succeeded while the
// times they set were lost, and a time before 1970 would show as one ~584 million years
// on. A mount refuses to start rather than do that.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FileTime } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';

interface NodeGypBuild {
  (dir: string): { dfs_utimens_patch?: number };
  path(dir: string): string;
}

/** The patch's version, which the addon exports: see native/fuse-native-utimens.patch. */
const PATCH_LEVEL = 2;

/** How the patched addon passes each time of a utimens call: milliseconds and one of these. */
const UTIME_GIVEN = 0;
const UTIME_NOW = 1;
const UTIME_OMIT = 2;

/**
 * One time of a utimens call from the patched addon: ms, `'now'` for UTIME_NOW (the master
 * tells "now" from a given time: they need different permissions), undefined for UTIME_OMIT.
 */
export function utimeArg(ms: number, kind: number): FileTime {
  if (kind === UTIME_GIVEN) return ms;
  if (kind === UTIME_NOW) return 'now';
  if (kind === UTIME_OMIT) return undefined;
  throw new DfsError('EINVAL', `unknown utimens time kind ${kind}`);
}

/** The addon file fuse-native loads, when it is dfs's patched build; throws ENOSYS otherwise. */
export function patchedAddon(): string {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('fuse-native/package.json'));
  // the same loader fuse-native's index.js calls, so the same (cached) module
  const load = createRequire(path.join(dir, 'index.js'))('node-gyp-build') as NodeGypBuild;
  const file = load.path(dir);
  // 1: an older dfs build, without signed stat times
  if (load(dir).dfs_utimens_patch !== PATCH_LEVEL) {
    throw new DfsError(
      'ENOSYS',
      `fuse-native loads ${file}, not dfs's patched build of it, which file times need; ` +
        'build it with `npm run build:native` (python3, make and g++; see native-notes/README.md)',
    );
  }
  return file;
}

// Finds and loads dfs's low-level FUSE addon (native/fuse-lowlevel.c), which `npm ci`
// builds into node_modules/fuse-native/build-dfs/ (scripts/build-fuse-native.mjs). A
// missing or stale build is refused with ENOSYS and the command that makes it: there is no
// fallback, the high-level binding cannot do what the inode layer needs.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { DfsError } from '../rpc/errors.js';
import type { LowLevelAddon } from './lowlevel-native.js';

/** The addon's interface version: DFS_LOWLEVEL_ABI in native/fuse-lowlevel.c. */
const LOWLEVEL_ABI = 1;

let loaded: LowLevelAddon | undefined;

/** Where the build puts the addon. */
function lowLevelAddonPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('fuse-native/package.json')), 'build-dfs', 'fuse_lowlevel.node');
}

/** The loaded addon; throws ENOSYS when it is not built, or built from another version of the source. */
export function lowLevelAddon(): LowLevelAddon {
  if (loaded) return loaded;
  const file = lowLevelAddonPath();
  const rebuild = 'build it with `npm run build:native` (python3, make, g++ and libfuse3-dev; see native-notes/lowlevel.md)';
  if (!fs.existsSync(file)) throw new DfsError('ENOSYS', `dfs's low-level FUSE addon is not built (${file}); ${rebuild}`);
  let addon: LowLevelAddon;
  try {
    addon = createRequire(import.meta.url)(file) as LowLevelAddon;
  } catch (err) {
    // e.g. libfuse3.so.3 missing: the package libfuse3-3
    throw new DfsError('ENOSYS', `cannot load ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (addon.abi !== LOWLEVEL_ABI) {
    throw new DfsError('ENOSYS', `${file} is built from another version of native/fuse-lowlevel.c (interface ${addon.abi}, need ${LOWLEVEL_ABI}); ${rebuild}`);
  }
  loaded = addon;
  return addon;
}

// V8's heap growth for the processes that move block data: the mount daemon and storage
// nodes (and `dfs up`, which runs them beside a master).
import v8 from 'node:v8';
import { DEFAULTS } from '../defaults.js';

/**
 * Every block such a process moves is a few fresh buffers (a WebSocket message, a cipher's
 * output) while its JavaScript heap stays a few MiB, so V8 ran a full mark-compact every
 * few MiB moved: 140-160 per GiB read through the mount. A larger growth factor lets the
 * garbage build up further first (see native-notes/performance.md). Not for a master on
 * its own: its heap is the namespace, which may be large.
 */
export function growHeapForBlockTraffic(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${DEFAULTS.blockTrafficHeapGrowingPercent}`);
}

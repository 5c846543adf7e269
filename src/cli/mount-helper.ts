// The mount(8) helper form, so an /etc/fstab line mounts dfs:
//
//   ws://master:7070  /mnt/dfs  fuse.dfs  config=/root/.config/dfs,_netdev  0 0
//
// For type fuse.dfs, mount(8) runs mount.fuse, which runs `dfs SPEC MOUNTPOINT -o OPTS`
// and expects it to return once the file system is mounted (as sshfs does). So this starts
// `dfs mount` detached, waits for its "mounted:" line, and exits 0 (or 1 with its error).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { dfsBin } from './servers.js';
import { UsageError } from './errors.js';

/** Options mount(8) passes that mean nothing to a FUSE daemon. */
const GENERIC = new Set([
  'rw',
  'ro',
  'dev',
  'nodev',
  'suid',
  'nosuid',
  'exec',
  'noexec',
  'auto',
  'noauto',
  'user',
  'nouser',
  'users',
  'defaults',
  '_netdev',
  'nofail',
  'async',
  'sync',
  'atime',
  'noatime',
  'relatime',
]);

export function isHelperInvocation(argv: string[]): boolean {
  return /^wss?:\/\//.test(argv[2] ?? '');
}

export interface HelperPlan {
  master: string;
  mountpoint: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Turns `dfs URL DIR [-o a,b=c]` into the `dfs mount` command line it stands for. */
export function planHelper(argv: string[], env: NodeJS.ProcessEnv): HelperPlan {
  const [master, dir, ...rest] = argv.slice(2);
  if (!dir) throw new UsageError('usage: dfs ws://HOST:PORT MOUNTPOINT [-o options]');
  const opts: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '-o' && rest[i + 1] !== undefined) opts.push(...rest[++i].split(','));
    else if (rest[i].startsWith('-o')) opts.push(...rest[i].slice(2).split(','));
    else throw new UsageError(`unexpected argument for a mount: ${rest[i]}`);
  }
  const mountpoint = path.resolve(dir);
  const args = ['--master', master];
  const childEnv: NodeJS.ProcessEnv = { ...env };
  const mountArgs: string[] = [];
  for (const o of opts.filter(Boolean)) {
    const [key, value] = o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : [o, ''];
    if (GENERIC.has(key)) continue;
    if (key === 'config' && value) childEnv.DFS_CONFIG_DIR = value;
    else if (key === 'ca' && value) args.push('--ca', value);
    else if (key === 'allow_other') mountArgs.push('--allow-other');
    else if (key === 'cache_mb' && value) mountArgs.push('--cache-mb', value);
    else if (key === 'attr_cache' && value) mountArgs.push('--attr-cache', value);
    else throw new UsageError(`unknown mount option: ${o}`);
  }
  return { master, mountpoint, args: [...args, 'mount', mountpoint, ...mountArgs], env: childEnv };
}

/** Starts the daemon detached and waits until it has mounted (or failed). */
export function runHelper(plan: HelperPlan, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(dfsBin(), plan.args, { env: plan.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (code: number, message?: string): void => {
      if (settled) return; // a timeout and the child's exit may both get here
      settled = true;
      clearTimeout(timer);
      if (message) process.stderr.write(message);
      // the daemon lives on; stop listening so this process can exit
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve(code);
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      finish(1, `dfs: the mount daemon did not mount ${plan.mountpoint} in ${timeoutMs / 1000} s\n${err}`);
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^mounted: /m.test(out)) finish(0, `dfs: mounted ${plan.mountpoint} (daemon pid ${child.pid})\n`);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) => finish(code || 1, err || `dfs: the mount daemon exited with ${code}\n`));
  });
}

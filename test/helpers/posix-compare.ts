// Shell scripts run in a mount and in a fresh local directory, whose outputs (with exit codes
// and error messages) must be the same: the tests of every FUSE layer compare against a
// local file system with these.
import { tempDir, type Teardown } from './cluster.js';
import { sh } from './mount.js';

/** Runs `script` in `dir` and in a fresh local directory; both outputs (and exit codes) for comparison. */
export async function both(t: Teardown, dir: string, script: string): Promise<{ mnt: string; local: string }> {
  const local = tempDir(t, 'dfs-ll-local-');
  const run = async (cwd: string): Promise<string> => {
    const r = await sh(`export TZ=UTC; ${script}`, { cwd });
    return `${r.stdout}${r.stderr.replaceAll(cwd, '.')}exit ${r.code}\n`;
  };
  return { mnt: await run(dir), local: await run(local) };
}

export const TREE = String.raw`
mkdir d d/sub
echo hello > d/f
printf 'abc' >> d/f
cat d/f
ln d/f d/hard
ln -s f d/sym
readlink d/sym
cat d/sym
stat -c '%n %s %h %F %a' d/f d/hard d/sym d d/sub
mv d/hard d/sub/moved
stat -c '%n %h' d/f d/sub/moved
[ "$(stat -c %i d/f)" = "$(stat -c %i d/sub/moved)" ] && echo 'one inode, two names'
chmod 640 d/f
stat -c '%a' d/f
truncate -s 3 d/f && cat d/f && echo
truncate -s 10 d/f && od -An -c d/f
mv d/f d/g
ls d
rmdir d/sub 2>&1 || echo 'rmdir of a full directory refused'
rm d/sub/moved d/g
rmdir d/sub
mkdir d/sub2 && mv d/sub2 d/sub3 && ls d
rm -r d
ls -a
`;

/** renameat2 with RENAME_NOREPLACE and RENAME_EXCHANGE, through Python's ctypes. */
export const RENAME2_SCRIPT = String.raw`
echo a > a; echo b > b
python3 - <<'PY'
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
def rename2(a, b, flags):
    r = libc.renameat2(-100, a.encode(), -100, b.encode(), flags)
    return 'ok' if r == 0 else errno.errorcode[ctypes.get_errno()]
print('noreplace onto b:', rename2('a', 'b', 1))
print('noreplace to c:', rename2('a', 'c', 1))
print('exchange c and b:', rename2('c', 'b', 2))
print('exchange with nothing:', rename2('c', 'zz', 2))
PY
cat b c; ls
`;

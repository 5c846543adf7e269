// FIFOs, UNIX sockets and device nodes through a real mount, beside a local directory: made
// with mkfifo, mknod(1) and (2) and bind(2), listed, stat'ed, renamed, linked and removed as any file,
// and a FIFO's and a socket's bytes carried by the kernel between two processes.
import t from 'tap';
import { both } from '../helpers/posix-compare.js';
import { fuseUnavailable, mountedCluster } from '../helpers/mount.js';

const skip = fuseUnavailable();

// devices are made, stat'ed and removed, never opened: a local /tmp opens them, a nodev mount does not
const SPECIAL = String.raw`
umask 022
mkfifo f && mknod p p && mknod c c 1 3 && mknod b b 7 200 && mknod -m 600 r c 4095 1048575
python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("sock")'
python3 -c 'import os; os.mknod("reg", 0o640)'
stat -c '%n %F %a %h %t:%T %s' b c f p r reg sock
ls -l --time-style=+ | tail -n +2
ls -F
mv f g && ln g h && ln c c2 && stat -c '%n %F %h' g h c c2
chmod 640 g && chown 12:34 c && stat -c '%n %a %u %g' g h c c2
mknod c c 1 3 2>&1 || true
mkfifo g 2>&1 || true
truncate -s 0 g 2>&1 || true
# by one name: the path-based mount gives the kernel one inode a name, so two names of one FIFO are two pipes there
(echo through the fifo > g &) ; cat g
python3 - <<'PY'
import os, socket
os.unlink('sock')
s = socket.socket(socket.AF_UNIX); s.bind('sock'); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect('sock')
a, _ = s.accept(); c.sendall(b'through the socket'); print(a.recv(64).decode())
try:
    open('sock')
except OSError as e:
    print('open of a socket:', os.strerror(e.errno))
PY
mkdir d && mv b d/ && ls d && rmdir d 2>&1 || true
rm g h c c2 p r reg sock d/b && rmdir d
ls -a
`;

t.test('FIFOs, sockets and devices: as in a local directory', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const out = await both(t, mnt.dir, SPECIAL);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /^b block special file 644 1 7:c8 0$/m, 'the device number survives (7, 200)');
  t.match(out.mnt, /^r character special file 600 1 fff:fffff 0$/m, 'the largest numbers the wire carries');
  t.match(out.mnt, /through the fifo\nthrough the socket\n/);
});

t.test('a device node on the mount does not open (the mount is nodev)', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const r = await mnt.sh('mknod null c 1 3 && stat -c %F null && cat null; echo "exit $?"; echo x > null; echo "exit $?"');
  t.match(r.stdout, /^character special file\nexit 1\nexit [12]\n$/, r.stderr);
  t.match(r.stderr, /null: Permission denied/, 'EACCES, as a local nodev mount gives');
});

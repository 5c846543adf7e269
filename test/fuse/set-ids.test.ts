// The set-id bits through a real mount, beside a local directory: a set-group-id directory
// hands its group (and to directories its bit) down, root's chown keeps a setgid file's bit
// when it has no group-execute, and a write by another user drops them (the kernel asks the
// mount to; a multi-user master drops them itself, test/master/set-ids.test.ts).
import t from 'tap';
import { both } from '../helpers/posix-compare.js';
import { fuseUnavailable, mountedCluster } from '../helpers/mount.js';

const skip = fuseUnavailable();

const SET_IDS = String.raw`
umask 022
mkdir sg && chown 0:123 sg && chmod 2775 sg && mkdir sg/d && touch sg/f && mkdir -m 700 sg/e
stat -c '%n %a %g' sg/d sg/e sg/f
for m in 6755 2644 4644 2754; do touch f$m && chmod $m f$m && chown 7 f$m; done
stat -c '%n %a %u' f6755 f2644 f4644 f2754
touch w && chmod 6777 w && echo root >> w && stat -c '%n %a' w
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo nobody >> w' && stat -c '%n %a' w
touch v && chmod 4777 v && setpriv --reuid=65534 --regid=65534 --clear-groups truncate -s 0 v && stat -c '%n %a' v
`;

t.test('set-group-id directories, chown and writes: the set-id bits as in a local directory', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const out = await both(t, mnt.dir, SET_IDS);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /^f2644 2644 7$/m, "root's chown keeps the setgid bit of a file without group-execute");
});

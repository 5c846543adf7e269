// An open directory's listing (src/fuse/dir-handle.ts) over a backend's pages, without a
// kernel: offsets across pages, each page read once going forward, seekdir back into an
// earlier page, rewinddir, and a backend whose cursor does not move.
import t from 'tap';
import type { DirPage } from '../../src/client/mount-api.js';
import { DirHandle, FIRST_ENTRY } from '../../src/fuse/dir-handle.js';

const attr = (ino: number) => ({ ino, type: 'file' as const, mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0, ctime: 0, replicas: 1 });

/** Names n0..n(count-1) in pages of `size`, the cursor being the last name given. */
function pages(count: number, size: number): { read: (cursor?: string) => Promise<DirPage>; asked: (string | undefined)[]; names: string[] } {
  const names = Array.from({ length: count }, (_, i) => `n${String(i).padStart(3, '0')}`);
  const asked: (string | undefined)[] = [];
  const read = async (cursor?: string): Promise<DirPage> => {
    asked.push(cursor);
    const rest = names.filter((n) => cursor === undefined || n > cursor);
    const page = rest.slice(0, size);
    return { parent: 9, entries: page.map((name, i) => ({ name, attr: attr(100 + i), ticket: `t${name}` })), cursor: rest.length > size ? page[page.length - 1] : undefined };
  };
  return { read, asked, names };
}

let eras = 0;
const era = () => ({ epoch: 0, seq: eras++, at: 0 });

async function listFrom(h: DirHandle, from: number): Promise<string[]> {
  const out: string[] = [];
  for (let off = from; ; off++) {
    const e = await h.at(off);
    if (!e) return out;
    out.push(e.entry.name);
  }
}

t.test("offsets run across the backend's pages, each page read once going forward", async (t) => {
  const b = pages(25, 10);
  const h = new DirHandle(5, b.read, era);
  t.equal(await h.parent(), 9, '".." from the first page');
  t.same(await listFrom(h, FIRST_ENTRY), b.names);
  t.same(b.asked, [undefined, 'n009', 'n019'], 'three pages, each asked for once');
  t.equal(await h.at(FIRST_ENTRY + 25), undefined, 'past the end');
  t.same(b.asked.length, 3);
});

t.test("an offset in an earlier page (seekdir back) reads from that page's cursor again", async (t) => {
  const b = pages(25, 10);
  const h = new DirHandle(5, b.read, era);
  await listFrom(h, FIRST_ENTRY);
  b.asked.length = 0;
  t.equal((await h.at(FIRST_ENTRY + 13))!.entry.name, 'n013');
  t.same(b.asked, ['n009'], 'the second page again');
  t.equal((await h.at(FIRST_ENTRY + 3))!.entry.name, 'n003');
  t.same(b.asked, ['n009', undefined], 'and the first');
  const e = await h.at(FIRST_ENTRY + 4);
  t.equal(e!.entry.ticket, 'tn004');
});

t.test('offset 0 again is rewinddir: a fresh listing that sees what was added', async (t) => {
  const b = pages(3, 10);
  const h = new DirHandle(5, b.read, era);
  h.rewindIf(0);
  t.same(await listFrom(h, FIRST_ENTRY), b.names);
  b.names.push('n999');
  h.rewindIf(5); // not 0: nothing happens
  t.same(await listFrom(h, FIRST_ENTRY), b.names.slice(0, 3), 'the listing as read');
  h.rewindIf(0);
  t.same(await listFrom(h, FIRST_ENTRY), b.names, 'after a rewind, the new name too');
});

t.test('each entry carries when its page was asked for', async (t) => {
  const b = pages(15, 10);
  const h = new DirHandle(5, b.read, era);
  const first = (await h.at(FIRST_ENTRY))!.era;
  const second = (await h.at(FIRST_ENTRY + 12))!.era;
  t.ok(second.seq > first.seq);
});

t.test('a backend whose cursor does not move is EIO, not an endless listing', async (t) => {
  const h = new DirHandle(5, async () => ({ parent: 1, entries: [], cursor: 'stuck' }), era);
  await t.rejects(h.at(FIRST_ENTRY + 1), { code: 'EIO' });
});

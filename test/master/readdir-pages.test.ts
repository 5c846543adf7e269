// A large directory is listed in pages that follow a cursor: every name present for the
// whole listing comes exactly once, whatever changes meanwhile, and a cursor serves only
// the session and the directory it was made for.
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
import { ADMIN_PASSWORD, localCluster } from '../helpers/cluster.js';
import { code } from '../helpers/bytes.js';

t.test('fs.readdir pages: complete, stable under changes, bound to session and directory', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  const admin = cluster.admin;
  await admin.mkdir('/d', 0o755);
  await admin.mkdir('/other', 0o755);
  const names = Array.from({ length: 50 }, (_, i) => `n${String(i).padStart(2, '0')}`);
  for (const n of names) await admin.mkdir(`/d/${n}`, 0o755);

  // the client follows the cursor itself
  const small = new DfsClient(cluster.url, { readdirPage: 7 });
  t.teardown(() => small.close());
  await small.login('admin', ADMIN_PASSWORD);
  const listed = await small.readdir('/d');
  t.same(listed.map((e) => e.name).sort(), names, 'all 50 names, once each, in pages of 7');
  t.ok(
    listed.every((e) => e.attr.type === 'dir'),
    'with their attributes',
  );

  // by hand: changes between pages
  const page = (cursor?: string) => admin.callRaw('fs.readdir', { path: '/d', limit: 10, cursor });
  let r = await page();
  const seen = (r.meta.entries as { name: string }[]).map((e) => e.name);
  const first = r.meta.cursor as string;
  t.type(first, 'string', 'a cursor while more remain');
  const unseen = names.filter((n) => !seen.includes(n));
  await admin.rmdir(`/d/${unseen[0]}`); // removed before its page: left out
  await admin.rename(`/d/${unseen[1]}`, `/d/zz-renamed`); // renamed: its old name is gone
  await admin.mkdir('/d/new-one', 0o755); // created during the listing: may or may not show
  await admin.rmdir(`/d/${seen[0]}`); // removed after its page: already listed, no harm

  t.equal(await code(admin.callRaw('fs.readdir', { path: '/other', limit: 10, cursor: first })), 'ESTALE', "another directory's cursor: ESTALE");
  const other = await cluster.client('admin', ADMIN_PASSWORD);
  t.equal(await code(other.call('fs.readdir', { path: '/d', limit: 10, cursor: first })), 'ESTALE', "another session's cursor: ESTALE");
  t.equal(await code(admin.callRaw('fs.readdir', { path: '/d', limit: 10, cursor: 'made-up' })), 'ESTALE', 'an unknown cursor: ESTALE');

  let cursor: string | undefined = first;
  while (cursor) {
    r = await page(cursor);
    seen.push(...(r.meta.entries as { name: string }[]).map((e) => e.name));
    cursor = r.meta.cursor as string | undefined;
  }
  const untouched = names.filter((n) => n !== unseen[0] && n !== unseen[1]);
  t.same(seen.filter((n) => untouched.includes(n)).sort(), untouched, 'every name present throughout, exactly once');
  t.notOk(seen.includes(unseen[0]), 'the name removed before its page is left out');
  t.notOk(seen.includes(unseen[1]), 'and so is the old name of the renamed one');
  t.equal(await code(page(first)), 'ESTALE', 'a finished listing is gone');
  t.equal((await admin.callRaw('fs.readdir', { path: '/other' })).meta.cursor, undefined, 'a small directory is one reply, no cursor');
});

t.test('a listing with a bound stops after the pages that pass it', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  await cluster.admin.mkdir('/big', 0o755);
  for (let i = 0; i < 60; i++) await cluster.admin.mkdir(`/big/e${i}`, 0o755);
  const c = new DfsClient(cluster.url, { readdirPage: 10 });
  t.teardown(() => c.close());
  await c.login('admin', ADMIN_PASSWORD);
  let pages = 0;
  let ended: { cursor?: string; reply: Promise<unknown> } | undefined;
  const call = c.call.bind(c);
  c.call = (method, req, ...rest) => {
    const reply = call(method, req, ...rest);
    const asked = req as { end?: boolean; cursor?: string };
    if (method === 'fs.readdir' && asked.end) ended = { cursor: asked.cursor, reply };
    else if (method === 'fs.readdir') pages++;
    return reply;
  };
  const part = await c.listDir('/big', 25);
  t.equal(part.complete, false, 'incomplete');
  t.equal(part.entries.length, 30, 'the three pages that took it past 25 entries');
  t.equal(pages, 3, 'and no more were asked for');
  t.ok(ended, 'the rest of the listing was given up');
  const reply = (await ended?.reply) as { entries: unknown[] } | undefined;
  t.same(reply?.entries, [], 'with no more names sent');
  t.equal(await code(call('fs.readdir', { path: '/big', limit: 10, cursor: ended?.cursor })), 'ESTALE', 'and the master let its copy go');
  const all = await c.listDir('/big', 100);
  t.same([all.complete, all.entries.length], [true, 60], 'a bound the directory stays under: the whole listing');
  t.same((await c.listDir('/big')).entries.length, 60, 'no bound: the whole listing');
});

// GET /metrics on master and storage node answers in Prometheus text format, with the
// documented names, after some traffic.
import http from 'node:http';
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      })
      .on('error', reject);
  });
}

t.test('metrics after traffic', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const c = await cl.client();
  const h = await c.create('/m', 0o644);
  await h.write(0, Buffer.alloc(100_000, 7));
  await h.close();
  await t.rejects(c.getattr('/missing'), { code: 'ENOENT' });

  const master = await get(cl.url.replace('ws://', 'http://') + '/metrics');
  t.equal(master.status, 200);
  t.match(master.type, /^text\/plain/);
  for (const name of [
    'dfs_master_requests_total{method="fs.create",status="OK"} 1',
    'dfs_master_requests_total{method="fs.getattr",status="ENOENT"} 1',
    'dfs_master_request_duration_seconds_bucket',
    'dfs_master_blocks 1',
    'dfs_master_under_replicated_blocks 0',
    'dfs_master_missing_blocks 0',
    'dfs_master_storage_nodes_alive 1',
    'dfs_master_journal_fsync_seconds_count',
  ])
    t.ok(master.body.includes(name), `master exposes ${name}`);
  t.match(master.body, /dfs_master_sessions [1-9]/, 'sessions gauge');
  for (const name of ['dfs_master_process_cpu_seconds_total', 'dfs_master_process_resident_memory_bytes', 'dfs_master_nodejs_eventloop_lag_seconds']) {
    t.match(master.body, new RegExp(`^${name} `, 'm'), `process metrics as ${name}`);
  }
  const names = [...master.body.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
  t.same(
    names.filter((n) => /(process|nodejs)_.*(process|nodejs)_/.test(n)),
    [],
    'no name says process_ or nodejs_ twice',
  );

  const nodeUrl = (await c.status()).nodes[0].url.replace('ws://', 'http://');
  const node = await get(nodeUrl + '/metrics');
  t.equal(node.status, 200);
  t.ok(node.body.includes('dfs_storage_requests_total{method="block.put",status="OK"} 1'), 'storage counts block.put');
  t.match(node.body, /dfs_storage_received_bytes_total 1000(2[89]|\d\d)/, 'storage counts bytes in (ciphertext: plaintext + 28)');
  t.ok(node.body.includes('dfs_storage_blocks 1'), 'storage block gauge');
  t.equal((await get(nodeUrl + '/healthz')).status, 200, 'storage /healthz');
  t.equal((await get(cl.url.replace('ws://', 'http://') + '/healthz')).status, 200, 'master /healthz');
});

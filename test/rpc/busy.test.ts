// A server turns away requests past its in-flight limit with EAGAIN, before running them;
// the client sends those again after a pause, so a burst of calls all succeed, each run
// once. With retries off, the caller sees the EAGAIN. A reply reservation that fails turns
// into the error of its request.
import t from 'tap';
import { RpcClient } from '../../src/rpc/client.js';
import { DfsError } from '../../src/rpc/errors.js';
import { RpcServer } from '../../src/rpc/server.js';

t.test('a burst past the in-flight limit is retried, and each call runs once', async (t) => {
  const ran = new Map<number, number>();
  const server = new RpcServer<undefined>({
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: 1024 * 1024,
    maxInflight: 2,
    newContext: () => undefined,
    handlers: {
      // an EAGAIN from a handler that ran: it may have done work, so it is not sent again
      tired: () => {
        ran.set(-1, (ran.get(-1) ?? 0) + 1);
        throw new DfsError('EAGAIN', 'resource temporarily unavailable');
      },
      slow: async ({ meta }) => {
        const n = meta.n as number;
        ran.set(n, (ran.get(n) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 15));
        return { meta: { n } };
      },
    },
  });
  await server.listen();
  t.teardown(() => server.close());

  const patient = new RpcClient(server.url);
  t.teardown(() => patient.close());
  const replies = await Promise.all(Array.from({ length: 12 }, (_, n) => patient.call('slow', { n })));
  t.same(
    replies.map((r) => r.meta.n),
    Array.from({ length: 12 }, (_, n) => n),
    'every call answered',
  );
  t.same(
    [...ran.values()].filter((x) => x !== 1),
    [],
    'each ran once: a refused request was never run',
  );

  await t.rejects(patient.call('tired'), { code: 'EAGAIN' }, 'an EAGAIN from a handler reaches the caller');
  t.equal(ran.get(-1), 1, 'and the handler ran once: it was not repeated');

  const impatient = new RpcClient(server.url, { busyRetries: 0 });
  t.teardown(() => impatient.close());
  const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, n) => impatient.call('slow', { n: 100 + n })));
  const refused = outcomes.filter((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'EAGAIN');
  t.ok(refused.length > 0, `without retries the caller sees EAGAIN (${refused.length} of 12)`);
  t.equal(refused.length + outcomes.filter((o) => o.status === 'fulfilled').length, 12, 'nothing else went wrong');
});

t.test('a reply reservation that throws fails its request, not the server', async (t) => {
  const server = new RpcServer<undefined>({
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: 1024 * 1024,
    newContext: () => undefined,
    replyReserveBytes: (_method, { meta }) => {
      if (meta.odd) throw new DfsError('EINVAL', 'cannot size this reply');
      return 1024;
    },
    handlers: { echo: ({ meta }) => ({ meta }) },
  });
  await server.listen();
  t.teardown(() => server.close());
  const c = new RpcClient(server.url);
  t.teardown(() => c.close());
  await t.rejects(c.call('echo', { odd: true }), { code: 'EINVAL' }, 'the request gets the error');
  t.same((await c.call('echo', { n: 1 })).meta, { n: 1 }, 'and the server goes on serving');
});

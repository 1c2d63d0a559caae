import { afterEach, describe, expect, it } from 'vitest';
import { createWriteQueue, type QueueItem, type SendOutcome } from './queue';

let dbCounter = 0;
const queues: { close(): void }[] = [];
afterEach(() => queues.splice(0).forEach((queue) => queue.close()));

/** A fake server: applies each Idempotency-Key once, records what it received. */
function fakeServer() {
  const applied = new Map<string, unknown>();
  const received: string[] = [];
  let online = true;
  const refusals = new Map<string, { status: number; code: string; detail: string }>();
  const send = async (item: QueueItem): Promise<SendOutcome> => {
    if (!online) return { kind: 'unreachable' };
    received.push(item.key);
    const refusal = refusals.get(item.key);
    if (refusal) return { kind: 'refused', ...refusal };
    if (!applied.has(item.key)) applied.set(item.key, item.body);
    return { kind: 'saved', result: { id: [...applied.keys()].indexOf(item.key) + 1 } };
  };
  return {
    send,
    applied,
    received,
    refusals,
    setOnline(value: boolean) {
      online = value;
    },
  };
}

function open(name: string, send: (item: QueueItem) => Promise<SendOutcome>) {
  const queue = createWriteQueue({ dbName: name, send });
  queues.push(queue);
  return queue;
}

const write = (key: string, quantity: string) => ({
  key,
  kind: 'loss',
  method: 'POST' as const,
  path: '/api/losses/?service=1',
  body: { product: 1, quantity },
  tenant: '1',
  label: key,
});

describe('offline write queue', () => {
  it('keeps writes made offline across a reload and sends them in order, once, when the network returns', async () => {
    const name = `queue-${dbCounter++}`;
    const server = fakeServer();
    server.setOnline(false);
    const before = open(name, server.send);
    for (let index = 1; index <= 5; index++) await before.enqueue(write(`k${index}`, String(index)));
    await before.sync();
    expect((await before.list()).map((item) => item.status)).toEqual(Array(5).fill('waiting'));
    expect(server.received).toEqual([]);
    before.close(); // the page is reloaded: a new queue on the same database

    const after = open(name, server.send);
    expect((await after.list()).map((item) => item.key)).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    server.setOnline(true);
    await after.sync();
    await after.sync(); // a second sync sends nothing again
    expect(server.received).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    expect([...server.applied.values()]).toEqual(
      [1, 2, 3, 4, 5].map((q) => ({ product: 1, quantity: String(q) })),
    );
    expect((await after.list()).every((item) => item.status === 'saved')).toBe(true);
  });

  it('stops at the first unreachable write so the later ones never overtake it', async () => {
    const server = fakeServer();
    let dropped = false;
    const flaky = async (item: QueueItem): Promise<SendOutcome> => {
      if (item.key === 'b' && !dropped && server.received.length > 0) {
        dropped = true; // the connection drops once, on the second write
        return { kind: 'unreachable' };
      }
      return server.send(item);
    };
    const queue = open(`queue-${dbCounter++}`, flaky);
    server.setOnline(false);
    for (const key of ['a', 'b', 'c']) await queue.enqueue(write(key, '1'));
    await queue.sync();
    server.setOnline(true);
    await queue.sync();
    expect(server.received).toEqual(['a']);
    expect((await queue.list()).map((item) => item.status)).toEqual(['saved', 'waiting', 'waiting']);
    await queue.sync();
    expect(server.received).toEqual(['a', 'b', 'c']);
  });

  it('marks a refused write failed with its reason, goes on with the next, and retries it on demand', async () => {
    const server = fakeServer();
    server.refusals.set('bad', { status: 403, code: 'FEATURE_NOT_INCLUDED', detail: 'Not in your plan' });
    const queue = open(`queue-${dbCounter++}`, server.send);
    server.setOnline(false);
    await queue.enqueue(write('bad', '1'));
    await queue.enqueue(write('good', '2'));
    server.setOnline(true);
    await queue.sync();
    const [bad, good] = await queue.list();
    expect(bad?.status).toBe('failed');
    expect(bad?.error).toEqual({ status: 403, code: 'FEATURE_NOT_INCLUDED', detail: 'Not in your plan' });
    expect(good?.status).toBe('saved');

    server.refusals.delete('bad'); // the plan was upgraded
    await queue.retry(bad!.seq!);
    expect((await queue.list()).map((item) => item.status)).toEqual(['saved', 'saved']);
    expect(server.received).toEqual(['bad', 'good', 'bad']);
  });

  it('never sends a write twice: the same key enqueued again is the same write, and concurrent syncs share one run', async () => {
    const server = fakeServer();
    const queue = open(`queue-${dbCounter++}`, server.send);
    server.setOnline(false);
    await queue.enqueue(write('same', '1'));
    await queue.enqueue(write('same', '1'));
    expect(await queue.list()).toHaveLength(1);
    server.setOnline(true);
    await Promise.all([queue.sync(), queue.sync(), queue.sync()]);
    await queue.sync();
    await queue.enqueue(write('same', '1')); // already saved: not sent again
    await queue.sync();
    expect(server.received).toEqual(['same']);
  });

  it('sends again, with the same key, a write a closed tab left in flight (the server applies it once)', async () => {
    const name = `queue-${dbCounter++}`;
    const server = fakeServer();
    let hang: () => void = () => undefined;
    const hanging = open(name, (item) => {
      server.received.push(item.key); // it reached the server, but the tab closes before the answer
      server.applied.set(item.key, item.body);
      return new Promise<SendOutcome>((resolve) => (hang = () => resolve({ kind: 'unreachable' })));
    });
    server.setOnline(true);
    void hanging.enqueue(write('inflight', '3'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await hanging.list())[0]?.status).toBe('sending');
    hanging.close();
    hang();

    const reopened = open(name, server.send);
    await reopened.sync();
    expect(server.received).toEqual(['inflight', 'inflight']);
    expect(server.applied.size).toBe(1);
    expect((await reopened.list())[0]?.status).toBe('saved');
  });
});

/**
 * The offline write queue. Every write goes into IndexedDB first (with its Idempotency-Key),
 * then is sent in order, one at a time. It survives a reload or a closed tab; the server
 * applies a key once, so a write cut off mid-flight is sent again safely, and a write already
 * saved is never sent again.
 *
 * States: waiting (not yet accepted: offline, server unreachable, or queued behind one),
 * sending, saved, failed (refused by the server for a reason that a retry will not fix: the
 * reason is kept and shown; the person can retry or drop it).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export type QueueStatus = 'waiting' | 'sending' | 'saved' | 'failed';

export interface QueueItem {
  seq?: number;
  key: string;
  kind: string;
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body: unknown;
  tenant: string | null;
  label: string;
  status: QueueStatus;
  attempts: number;
  createdAt: number;
  /** The server's refusal: its status and error body (`code`, `detail`, and extras such as `limit`). */
  error?: { status: number; code: string; detail: string; body?: Record<string, unknown> };
  result?: unknown;
}

export type SendOutcome =
  | { kind: 'saved'; result: unknown }
  | { kind: 'refused'; status: number; code: string; detail: string; body?: Record<string, unknown> }
  | { kind: 'unreachable' };

export type Sender = (item: QueueItem) => Promise<SendOutcome>;

interface QueueDB extends DBSchema {
  writes: { key: number; value: QueueItem; indexes: { byKey: string } };
}

export interface WriteQueue {
  enqueue(item: Omit<QueueItem, 'status' | 'attempts' | 'createdAt' | 'seq'>): Promise<QueueItem>;
  list(kind?: string): Promise<QueueItem[]>;
  sync(): Promise<void>;
  retry(seq: number): Promise<void>;
  remove(seq: number): Promise<void>;
  clearSaved(): Promise<void>;
  clearAll(): Promise<void>;
  subscribe(listener: () => void): () => void;
  close(): void;
}

export function newIdempotencyKey(): string {
  const random =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `spa-${random}`;
}

export function createWriteQueue(options: { dbName?: string; send: Sender }): WriteQueue {
  const dbName = options.dbName ?? 'stockscan-queue';
  let dbPromise: Promise<IDBPDatabase<QueueDB>> | null = null;
  const db = () =>
    (dbPromise ??= openDB<QueueDB>(dbName, 1, {
      upgrade(database) {
        const store = database.createObjectStore('writes', { keyPath: 'seq', autoIncrement: true });
        store.createIndex('byKey', 'key', { unique: true });
      },
    }));
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  let running: Promise<void> | null = null;
  let again = false;

  async function update(item: QueueItem) {
    await (await db()).put('writes', item);
    notify();
  }

  async function runOnce(): Promise<void> {
    const database = await db();
    const items = await database.getAll('writes'); // in seq order: the order they were made
    for (const item of items) {
      if (item.status === 'saved' || item.status === 'failed') continue;
      // 'sending' left by a closed tab is sent again: the server answers its key once.
      item.status = 'sending';
      item.attempts += 1;
      await update(item);
      let outcome: SendOutcome;
      try {
        outcome = await options.send(item);
      } catch {
        outcome = { kind: 'unreachable' };
      }
      if (outcome.kind === 'saved') {
        item.status = 'saved';
        item.result = outcome.result;
        delete item.error;
        await update(item);
      } else if (outcome.kind === 'refused') {
        item.status = 'failed';
        item.error = { status: outcome.status, code: outcome.code, detail: outcome.detail };
        if (outcome.body) item.error.body = outcome.body;
        await update(item);
      } else {
        // Unreachable: this one and every later one wait, so the order holds.
        item.status = 'waiting';
        await update(item);
        return;
      }
    }
  }

  const queue: WriteQueue = {
    async enqueue(fields) {
      const database = await db();
      const existing = await database.getFromIndex('writes', 'byKey', fields.key);
      if (existing) return existing; // the same write twice is one write
      const item: QueueItem = { ...fields, status: 'waiting', attempts: 0, createdAt: Date.now() };
      item.seq = await database.add('writes', item);
      notify();
      void queue.sync();
      return item;
    },
    async list(kind) {
      const items = await (await db()).getAll('writes');
      return kind ? items.filter((item) => item.kind === kind) : items;
    },
    sync() {
      // One sync at a time in this tab (across tabs, the Web Locks API takes turns). A call
      // during a run asks for one more run after it: the network may have come back meanwhile.
      if (running) {
        again = true;
        return running;
      }
      const runLocked = () => {
        const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
        return locks ? (locks.request(`${dbName}-sync`, runOnce) as unknown as Promise<void>) : runOnce();
      };
      running = (async () => {
        do {
          again = false;
          await runLocked();
        } while (again);
      })().finally(() => {
        running = null;
      });
      return running;
    },
    async retry(seq) {
      const item = await (await db()).get('writes', seq);
      if (item && item.status === 'failed') {
        item.status = 'waiting';
        delete item.error;
        await update(item);
        await queue.sync();
      }
    },
    async remove(seq) {
      const item = await (await db()).get('writes', seq);
      if (item && item.status !== 'sending') {
        await (await db()).delete('writes', seq);
        notify();
      }
    },
    async clearSaved() {
      const database = await db();
      for (const item of await database.getAll('writes')) {
        if (item.status === 'saved' && item.seq !== undefined) await database.delete('writes', item.seq);
      }
      notify();
    },
    async clearAll() {
      await (await db()).clear('writes');
      notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      void dbPromise?.then((database) => database.close());
      dbPromise = null;
    },
  };
  return queue;
}

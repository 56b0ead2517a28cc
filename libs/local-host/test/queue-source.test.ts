// The Storage Queue source on real Azurite with plain handlers: what the handler gets, delete on success,
// the message back after a failure, `<queue>-poison` after maxDequeueCount, a running message kept
// invisible past its lease, and host.json's queue settings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvocationContext } from '@azure/functions';
import type { StorageQueueFunctionDefinition } from '@modelfn/functions';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueSettingsFromHostJson } from '../src/host-json.js';
import {
  parseConnectionString,
  startAzurite,
  startQueueSource,
  StorageQueue,
  type QueueSource,
  type RunningAzurite,
} from '../src/index.js';

const logger = pino({ level: 'silent' });
let azurite: RunningAzurite;
const sources: QueueSource[] = [];

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await azurite?.stop();
});

const queue = (name: string) => new StorageQueue(parseConnectionString(azurite.connectionString), name);

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function source(queueName: string, handler: (entry: unknown, context: InvocationContext) => unknown) {
  const functions: StorageQueueFunctionDefinition[] = [
    { name: 'fn', options: { queueName, connection: 'AzureWebJobsStorage', handler } },
  ];
  const s = await startQueueSource({
    functions,
    settings: { AzureWebJobsStorage: azurite.connectionString },
    maxDequeueCount: 3,
    maxPollingIntervalMs: 200,
    logger,
  });
  sources.push(s);
  return s;
}

describe('Storage Queue source', () => {
  it('hands JSON as an object and text as a string with the trigger metadata, and deletes each', async () => {
    const seen: { entry: unknown; meta: Record<string, unknown> }[] = [];
    await source('qs-ok', (entry, context) => {
      seen.push({ entry, meta: context.triggerMetadata ?? {} });
    });
    await queue('qs-ok').send(Buffer.from('{"a":1}').toString('base64'));
    await queue('qs-ok').send(Buffer.from('plain text').toString('base64'));
    await until(
      async () => seen.length,
      (n) => n === 2,
    );
    expect(seen.map((s) => s.entry).sort()).toEqual([{ a: 1 }, 'plain text'].sort());
    for (const { meta } of seen) expect(meta).toMatchObject({ id: expect.any(String), dequeueCount: 1 });
    expect(
      await until(
        () => queue('qs-ok').peek(),
        (m) => m.length === 0,
      ),
    ).toEqual([]);
  });

  it('retries a failing message and poisons it after maxDequeueCount, its text unchanged', async () => {
    const counts: number[] = [];
    const s = await source('qs-fail', (_entry, context) => {
      counts.push(context.triggerMetadata?.dequeueCount as number);
      throw new Error('transient');
    });
    const text = Buffer.from('{"n":1}').toString('base64');
    await queue('qs-fail').send(text);
    const poisoned = await until(
      () => queue('qs-fail-poison').peek(),
      (m) => m.length > 0,
    );
    expect(poisoned.map((m) => m.text)).toEqual([text]);
    expect(counts).toEqual([1, 2, 3]);
    expect(s.invocations.get('fn')).toBe(3);
    expect(await queue('qs-fail').peek()).toEqual([]);
  });

  it('keeps a running message invisible past its lease, and deletes it with the renewed pop receipt', async () => {
    // A lease of 4 s renewed every 2 s. After each renewal the handler sees, a second receiver tries to take
    // the message. It was taken for 4 s, and the second renewal is due no sooner than 4 s after that, so a
    // try after it finds the message hidden only because the renewals extended its lease. The tries follow
    // the renewals rather than the wall clock: a renewal that a loaded machine makes late would leave the
    // message visible for a moment (production's lease is 10 min, renewed at 5), and a try on a timer could
    // fall in that moment without any renewal being wrong.
    const LEASE = 4;
    const RENEWALS = 3;
    const other = queue('qs-long');
    const taken: unknown[] = [];
    /** The source's renewal count at each try of the second receiver. */
    const triedAfter: number[] = [];
    const warnings: string[] = [];
    // The handler reads the source's renewals: the source is made after the handler.
    const held: { source?: QueueSource } = {};
    const renewals = () => held.source?.renewals.get('fn') ?? 0;
    let handled!: () => void;
    const handlerDone = new Promise<void>((resolve) => (handled = resolve));
    const functions: StorageQueueFunctionDefinition[] = [
      {
        name: 'fn',
        options: {
          queueName: 'qs-long',
          connection: 'AzureWebJobsStorage',
          handler: async () => {
            let last = 0;
            while (last < RENEWALS && taken.length === 0) {
              while (renewals() === last) await new Promise((r) => setTimeout(r, 50));
              last = renewals();
              triedAfter.push(last);
              taken.push(...(await other.receive(1, 30)));
            }
            handled();
          },
        },
      },
    ];
    const s = await startQueueSource({
      functions,
      settings: { AzureWebJobsStorage: azurite.connectionString },
      maxPollingIntervalMs: 200,
      leaseSeconds: LEASE,
      // Warnings say a renewal or the delete failed (a wrong pop receipt is refused with HTTP 400).
      logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
    });
    held.source = s;
    sources.push(s);
    await other.send(Buffer.from('{"long":true}').toString('base64'));
    await handlerDone;
    // close() returns once the running message is settled.
    await s.close();
    expect(taken).toEqual([]);
    expect(triedAfter.at(-1)).toBeGreaterThanOrEqual(RENEWALS);
    expect(s.renewals.get('fn')).toBeGreaterThanOrEqual(RENEWALS);
    expect(s.invocations.get('fn')).toBe(1);
    expect(warnings).toEqual([]);
    expect(await other.peek()).toEqual([]);
  }, 120_000);

  it("reads host.json's queue settings", () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-host-json-'));
    try {
      const path = join(dir, 'host.json');
      writeFileSync(
        path,
        JSON.stringify({
          extensions: {
            queues: {
              batchSize: 8,
              maxDequeueCount: 2,
              visibilityTimeout: '00:00:30',
              maxPollingInterval: '00:00:02.5',
            },
          },
        }),
      );
      expect(queueSettingsFromHostJson(path)).toEqual({
        batchSize: 8,
        maxDequeueCount: 2,
        visibilityTimeoutMs: 30_000,
        maxPollingIntervalMs: 2_500,
      });
      writeFileSync(path, JSON.stringify({ extensions: { queues: { visibilityTimeout: 30 } } }));
      expect(() => queueSettingsFromHostJson(path)).toThrow(/hh:mm:ss/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The Service Bus source must hold each message's lock from its receive to its settlement, as the Functions
// host does, or the broker hands the message to another consumer while the first still works on it and
// both answer it. Real emulator, real @azure/service-bus client; the handlers wait for the test's signal, so
// nothing here depends on how fast the machine is.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceBusQueueFunctionOptions } from '@azure/functions';
import { ServiceBusClient } from '@azure/service-bus';
import { startServiceBusEmulator, type ServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceBusSource, type ServiceBusSource } from '../src/index.js';

const QUEUE = 'requests';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

interface Rig {
  emulator: ServiceBusEmulator;
  source: ServiceBusSource;
  client: ServiceBusClient;
  /** The emulator's log lines so far. */
  log: string[];
  /** Bodies each invocation got, in order. */
  calls: unknown[][];
  /** Lets every invocation started so far (and later) return. */
  release: () => void;
}

const rigs: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of rigs.splice(0).reverse()) await close();
});

async function rig(
  lockDurationMs: number,
  source: { maxConcurrentCalls: number; hostJsonPath?: string },
): Promise<Rig> {
  const log: string[] = [];
  const emulator = await startServiceBusEmulator({
    port: 0,
    queues: { [QUEUE]: { lockDurationMs, maxDeliveryCount: 10 } },
    logger: (line) => log.push(line),
  });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const calls: unknown[][] = [];
  const handler: ServiceBusQueueFunctionOptions['handler'] = async (messages) => {
    calls.push(messages as unknown[]);
    await released;
  };
  const started = await startServiceBusSource({
    functions: [
      {
        name: 'work',
        options: { connection: 'SB', queueName: QUEUE, cardinality: 'many', handler },
      },
    ],
    settings: { SB: emulator.connectionString },
    maxMessageBatchSize: 8,
    logger: quiet,
    ...source,
  });
  const client = new ServiceBusClient(emulator.connectionString);
  rigs.push(async () => {
    release();
    await started.close();
    await client.close();
    await emulator.close();
  });
  return { emulator, source: started, client, log, calls, release };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  // The bound only guards against a hang; each wait is for an event, not for time to pass.
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const redelivered = (log: string[]) => log.filter((l) => l.includes('is available again'));

/**
 * @azure/service-bus's receiveMessages() drains the link's leftover credit before it returns and, when the
 * broker's answer takes over 200 ms (a busy event loop on either side is enough), closes the link, which
 * gives back every message it carried, and returns those messages anyway. Holding the emulator's drain
 * answers back reproduces that without a busy machine.
 */
function holdDrainAnswers(): () => void {
  const require = createRequire(import.meta.url);
  const { Sender } = require('rhea/lib/link.js') as {
    Sender: { prototype: { set_drained(this: unknown, drained: boolean): void } };
  };
  const original = Sender.prototype.set_drained;
  const held: (() => void)[] = [];
  let holding = true;
  Sender.prototype.set_drained = function (this: unknown, drained: boolean) {
    if (holding) held.push(() => original.call(this, drained));
    else original.call(this, drained);
  };
  return () => {
    holding = false;
    Sender.prototype.set_drained = original;
    for (const answer of held.splice(0)) answer();
  };
}

describe('Service Bus source: message locks', () => {
  it('keeps a message locked while its invocation runs when the broker answers a drain late', async () => {
    const answerDrains = holdDrainAnswers();
    rigs.push(async () => answerDrains());
    const r = await rig(30_000, { maxConcurrentCalls: 2 });
    const sender = r.client.createSender(QUEUE);
    await sender.sendMessages({ body: { n: 1 }, messageId: 'one' });
    await until('the message is invoked', () => r.calls.length === 1);
    // By the time an invocation runs, its message must still be locked to this consumer.
    expect(redelivered(r.log)).toEqual([]);
    expect(r.emulator.queueDepth(QUEUE)).toMatchObject({ active: 0, locked: 1 });
    answerDrains();
    r.release();
    await until('the message is settled', () => {
      const d = r.emulator.queueDepth(QUEUE);
      return d.active === 0 && d.locked === 0;
    });
    expect(r.calls).toEqual([[{ n: 1 }]]);
    expect(r.source.invocations.get('work')).toBe(1);
    expect(redelivered(r.log)).toEqual([]);
  });

  it('renews the lock of a message whose invocation outlasts the lock duration', async () => {
    const lockMs = 3_000;
    const r = await rig(lockMs, { maxConcurrentCalls: 2 });
    await r.client.createSender(QUEUE).sendMessages({ body: { n: 2 }, messageId: 'two' });
    await until('the message is invoked', () => r.calls.length === 1);
    const peeker = r.client.createReceiver(QUEUE);
    const [peeked] = await peeker.peekMessages(1);
    const first = peeked!.lockedUntilUtc!.getTime();
    // Peeks go on from the last one peeked: each asks again from the message's own sequence number.
    const lockedUntil = async () =>
      (await peeker.peekMessages(1, { fromSequenceNumber: peeked!.sequenceNumber! }))[0];
    // Renewed until the first lock would have run out twice over, and never given back meanwhile.
    await until(
      'the lock is renewed past twice its duration',
      async () => ((await lockedUntil())?.lockedUntilUtc?.getTime() ?? 0) > first + 2 * lockMs,
    );
    expect(redelivered(r.log)).toEqual([]);
    expect(r.emulator.queueDepth(QUEUE)).toMatchObject({ active: 0, locked: 1 });
    r.release();
    await until('the message is settled', () => r.emulator.queueDepth(QUEUE).locked === 0);
    expect(r.emulator.queueDepth(QUEUE).active).toBe(0);
    expect(r.calls).toEqual([[{ n: 2 }]]);
    expect(redelivered(r.log)).toEqual([]);
  });

  it("stops renewing at host.json's extensions.serviceBus.maxAutoLockRenewalDuration", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-host-json-'));
    rigs.push(async () => rmSync(dir, { recursive: true, force: true }));
    const hostJsonPath = join(dir, 'host.json');
    writeFileSync(
      hostJsonPath,
      JSON.stringify({
        version: '2.0',
        extensions: { serviceBus: { maxAutoLockRenewalDuration: '00:00:04' } },
      }),
    );
    const r = await rig(2_000, { maxConcurrentCalls: 1, hostJsonPath });
    await r.client.createSender(QUEUE).sendMessages({ body: { n: 3 }, messageId: 'three' });
    await until('the message is invoked', () => r.calls.length === 1);
    // Past the renewal bound the lock lapses and the broker gives the message to the next receive, as
    // Service Bus does for a Functions host whose invocation outlasts maxAutoLockRenewalDuration.
    await until('the lock lapses', () => redelivered(r.log).length > 0);
    expect(redelivered(r.log)[0]).toContain('lock expired');
  });
});

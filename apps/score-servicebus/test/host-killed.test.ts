import { ServiceBusClient } from '@azure/service-bus';
import { startServiceBusEmulator, type ServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

function startHost(connectionString: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(import.meta.dirname, 'support/host-process.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ServiceBusConnection: connectionString,
        MODEL_REPOSITORY: resolve(ROOT, 'models'),
        CACHE_MODE: 'memory',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && ok(child));
    child.on('exit', (code) => fail(new Error(`host exited with ${code}`)));
  });
}

describe('Service Bus host killed while messages are locked', () => {
  let emulator: ServiceBusEmulator;
  let client: ServiceBusClient;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    emulator = await startServiceBusEmulator({
      port: 0,
      queues: { 'scoring-requests': { lockDurationMs: 1500 }, 'scoring-replies': {} },
    });
    client = new ServiceBusClient(emulator.connectionString);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await client?.close();
    await emulator?.close();
  });

  it('redelivers what the dead host held: every request gets a reply, nothing is lost', async () => {
    const n = 300;
    const sender = client.createSender('scoring-requests');
    const row = new Array(784).fill(0);
    for (let i = 0; i < n; i += 100) {
      await sender.sendMessages(
        Array.from({ length: 100 }, (_, j) => ({
          body: { data: [row.map((_, k) => (k === (i + j) % 784 ? 1 : 0))] },
          correlationId: `m-${i + j}`,
        })),
      );
    }
    await sender.close();

    const first = await startHost(emulator.connectionString);
    children.push(first);
    const replies = client.createReceiver('scoring-replies', { receiveMode: 'receiveAndDelete' });
    const seen = new Set<string>();
    // Let it take some messages, then kill it without any chance to settle its locks.
    while (seen.size === 0) {
      for (const m of await replies.receiveMessages(50, { maxWaitTimeInMs: 1000 }))
        seen.add(String(m.correlationId));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(seen.size).toBeLessThan(n);

    children.push(await startHost(emulator.connectionString));
    const deadline = Date.now() + 30_000;
    while (seen.size < n && Date.now() < deadline) {
      for (const m of await replies.receiveMessages(100, { maxWaitTimeInMs: 1000 }))
        seen.add(String(m.correlationId));
    }
    await replies.close();
    expect(seen.size).toBe(n);
    expect(emulator.queueDepth('scoring-requests')).toMatchObject({ active: 0, deadLettered: 0 });
  });
});

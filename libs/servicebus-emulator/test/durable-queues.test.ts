// Durable queues as a crash sees them: the emulator runs in a child process (the CLI) that is SIGKILLed right
// after the sends were acknowledged, then started again on the same data folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, describe, expect, it } from 'vitest';
import { startServiceBusEmulator } from '../src/index.js';
import { receiveExactly } from './support.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-durable-'));
  dirs.push(dir);
  return dir;
}

async function startCli(dir: string): Promise<{ child: ChildProcess; connectionString: string }> {
  const child = spawn(
    process.execPath,
    // `node --import tsx` (not tsx's CLI, which runs the script in a grandchild): SIGKILL hits the emulator itself.
    [
      '--import',
      'tsx',
      cli,
      '--port',
      '0',
      '--queue',
      'q',
      '--max-delivery-count',
      '2',
      '--data-dir',
      dir,
      '--quiet',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const connectionString = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0].trim());
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`CLI exited with ${code}: ${err}`)));
  });
  return { child, connectionString };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('durable queues (dataDir)', () => {
  it('keeps every acknowledged message across a SIGKILL; completed ones stay gone, dead-lettered stay parked', async () => {
    const dir = dataDir();
    let { child, connectionString } = await startCli(dir);
    let client = new ServiceBusClient(connectionString);
    const sender = client.createSender('q');
    // Concurrent sends: several transfers share one fdatasync (group commit).
    await Promise.all(
      Array.from({ length: 10 }, (_, b) =>
        sender.sendMessages(
          Array.from({ length: 50 }, (_, i) => ({
            body: { n: b * 50 + i },
            applicationProperties: { k: 'v' },
          })),
        ),
      ),
    );
    const receiver = client.createReceiver('q');
    const first = await receiveExactly(receiver, 100);
    for (const m of first.slice(0, 90)) await receiver.completeMessage(m);
    await receiver.deadLetterMessage(first[90], {
      deadLetterReason: 'test',
      deadLetterErrorDescription: 'parked',
    });
    // The other 9 stay locked when the process dies; they must come back.
    await kill(child);
    await client.close().catch(() => undefined);

    ({ child, connectionString } = await startCli(dir));
    client = new ServiceBusClient(connectionString);
    try {
      const again = client.createReceiver('q', { receiveMode: 'receiveAndDelete' });
      const rest = await receiveExactly(again, 409, 20_000);
      const ns = rest.map((m) => (m.body as { n: number }).n).sort((a, b) => a - b);
      const gone = new Set(first.slice(0, 91).map((m) => (m.body as { n: number }).n));
      const expected = Array.from({ length: 500 }, (_, n) => n).filter((n) => !gone.has(n));
      expect(ns).toEqual(expected);
      expect(rest[0].applicationProperties).toMatchObject({ k: 'v' });
      // Delivered once before the crash: the count survived.
      const heldWhenKilled = (first[91].body as { n: number }).n;
      expect(rest.find((m) => (m.body as { n: number }).n === heldWhenKilled)?.deliveryCount).toBe(1);
      const dead = client.createReceiver('q', {
        subQueueType: 'deadLetter',
        receiveMode: 'receiveAndDelete',
      });
      const [parked] = await receiveExactly(dead, 1);
      expect(parked.deadLetterReason).toBe('test');
      expect((parked.body as { n: number }).n).toBe((first[90].body as { n: number }).n);
      // New messages get sequence numbers after the stored ones.
      await client.createSender('q').sendMessages({ body: 'after' });
      const [after] = await receiveExactly(again, 1);
      expect(Number(after.sequenceNumber)).toBeGreaterThan(500);
    } finally {
      await client.close();
      await kill(child);
    }
  }, 60_000);

  it('refuses a data folder another running emulator holds, and takes over a stale one', async () => {
    const dir = dataDir();
    const one = await startServiceBusEmulator({ port: 0, queues: ['q'], dataDir: dir });
    await expect(startServiceBusEmulator({ port: 0, queues: ['q'], dataDir: dir })).rejects.toThrow(
      /in use by process/,
    );
    await one.close();
    const two = await startServiceBusEmulator({ port: 0, queues: ['q'], dataDir: dir });
    expect(two.restoredMessages).toBe(0);
    await two.close();
  });
});

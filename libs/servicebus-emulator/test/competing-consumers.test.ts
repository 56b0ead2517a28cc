// Competing peek-lock consumers whose event loop is busy (as a host's is while it scores): the SDK's drain
// timer can fire before the transfers already on their way are read. Every drain must still be answered, or
// the SDK closes the link after 200 ms, its messages go to another receiver while the first still works on
// them, and the first one's completes fail with "lock lost". The emulator runs in its own process (the CLI),
// as it does for a second host.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('competing consumers on a busy event loop', () => {
  it('hands each message to one receiver, answers every drain, and never closes a link', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--queue', 'q'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let closedLinks = 0;
    child.stderr.on('data', (d: Buffer) => {
      closedLinks += (d.toString().match(/closed peekLock receiver/g) ?? []).length;
    });
    const connectionString = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0].trim())),
    );
    const client = new ServiceBusClient(connectionString);
    // 15 ms of every 17 ms busy, like scoring batches on the loop.
    const busy = setInterval(() => {
      const end = Date.now() + 15;
      while (Date.now() < end);
    }, 17);
    try {
      const sender = client.createSender('q');
      let stop = false;
      let sent = 0;
      const producer = (async () => {
        while (!stop) {
          await sender.sendMessages(Array.from({ length: 7 }, () => ({ body: sent++ })));
        }
      })();
      const seen = new Map<number, number>();
      let lockErrors = 0;
      const until = Date.now() + 5_000;
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          const receiver = client.createReceiver('q');
          while (Date.now() < until) {
            const batch = await receiver.receiveMessages(16, { maxWaitTimeInMs: 20 });
            for (const m of batch) seen.set(m.body as number, (seen.get(m.body as number) ?? 0) + 1);
            await Promise.all(batch.map((m) => receiver.completeMessage(m).catch(() => lockErrors++)));
          }
        }),
      );
      stop = true;
      await producer;
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      expect({ duplicates, lockErrors, closedLinks }).toEqual({
        duplicates: 0,
        lockErrors: 0,
        closedLinks: 0,
      });
      expect(seen.size).toBeGreaterThan(100);
    } finally {
      clearInterval(busy);
      await client.close();
      child.kill('SIGKILL');
    }
  }, 30_000);
});

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConnectionString, startAzurite, StorageQueue, type RunningAzurite } from '../src/index.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const started: RunningAzurite[] = [];
afterAll(async () => {
  await Promise.all(started.map((a) => a.stop()));
});

describe('startAzurite', () => {
  it('starts blob and queue services on free ports, usable with the connection string, and stops', async () => {
    const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    started.push(azurite);
    expect(azurite.blobPort).toBeGreaterThan(0);
    expect(azurite.describe()).toEqual([
      expect.stringMatching(/^Azurite {2}blob http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1, .*in memory only/),
    ]);
    expect(azurite.connectionString).toContain(
      `BlobEndpoint=http://127.0.0.1:${azurite.blobPort}/devstoreaccount1`,
    );
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'hello',
    );
    await container.create();
    await container.getBlockBlobClient('a.txt').upload('hi', 2);
    expect((await container.getBlobClient('a.txt').downloadToBuffer()).toString()).toBe('hi');

    // The hand-signed queue calls are accepted (Azurite checks SharedKey signatures).
    const queue = new StorageQueue(parseConnectionString(azurite.connectionString), 'greetings');
    await queue.createIfNotExists();
    await queue.createIfNotExists();
    await queue.send('aGVsbG8gJiA8d29ybGQ+');
    expect(await queue.peek()).toEqual([
      expect.objectContaining({ text: 'aGVsbG8gJiA8d29ybGQ+', dequeueCount: 0 }),
    ]);

    await azurite.stop();
    await azurite.stop();
    expect(alive(azurite.pid)).toBe(false);
  });

  it('keeps data in AZURITE_LOCATION across restarts', async () => {
    const location = await mkdtemp(join(tmpdir(), 'azurite-test-'));
    try {
      const first = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, location });
      started.push(first);
      const c1 = BlobServiceClient.fromConnectionString(first.connectionString).getContainerClient('kept');
      await c1.create();
      await c1.getBlockBlobClient('x').upload('1', 1);
      await first.stop();
      const second = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, location });
      started.push(second);
      const c2 = BlobServiceClient.fromConnectionString(second.connectionString).getContainerClient('kept');
      expect(await c2.getBlobClient('x').exists()).toBe(true);
      await second.stop();
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  it('keeps every blob acknowledged before its host process group was SIGKILLed (no 5 s metadata window)', async () => {
    const location = await mkdtemp(join(tmpdir(), 'azurite-crash-'));
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    // The host leads its own process group, as `npm start` does in a terminal; the group is SIGKILLed.
    const host = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { startAzurite } = await import(${JSON.stringify(index)});
         const a = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, location: ${JSON.stringify(location)} });
         console.log(a.connectionString); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    try {
      const connectionString = await new Promise<string>((resolve) =>
        host.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
      );
      const c1 = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('crash');
      await c1.create();
      const n = 60;
      await Promise.all(
        Array.from({ length: n }, (_, i) => c1.getBlockBlobClient(`b${i}`).upload(`${i}`, `${i}`.length)),
      );
      await new Promise((r) => {
        host.once('exit', r);
        process.kill(-host.pid!, 'SIGKILL');
      });
      const second = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, location });
      started.push(second);
      const c2 = BlobServiceClient.fromConnectionString(second.connectionString).getContainerClient('crash');
      const names: string[] = [];
      for await (const b of c2.listBlobsFlat()) names.push(b.name);
      expect(names.length).toBe(n);
      await second.stop();
    } finally {
      if (host.exitCode === null && host.signalCode === null) process.kill(-host.pid!, 'SIGKILL');
      await rm(location, { recursive: true, force: true });
    }
  }, 60_000);

  it('reports a port in use with the settings to change', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(startAzurite({ blobPort: port, queuePort: 0, tablePort: 0 })).rejects.toMatchObject({
        code: 'AZURITE_PORT_IN_USE',
        message: expect.stringContaining('AZURITE_BLOB_PORT'),
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

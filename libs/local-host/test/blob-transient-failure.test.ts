// A transient failure (here: storage down for longer than the tries last) on a real Azurite kept on disk
// and restarted on the same ports: the blob is scored promptly once storage is back, not after its claim
// lapses (CLAIM_MS, 60 s), and exactly once.
import azureFunctions from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_MS } from '../src/blob/blob-claims.js';
import {
  HOSTS_CONTAINER,
  parseConnectionString,
  POISON_QUEUE,
  startAzurite,
  startBlobSource,
  StorageQueue,
  type BlobSource,
  type RunningAzurite,
} from '../src/index.js';

const { output } = azureFunctions;
const connection = 'AzureWebJobsStorage';
let dir: string;
let azurite: RunningAzurite;
let source: BlobSource | undefined;

const restart = async () => {
  const { blobPort, queuePort, tablePort } = azurite;
  await azurite.stop();
  return startAzurite({ blobPort, queuePort, tablePort, location: dir });
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blob-transient-'));
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, location: dir });
});

afterAll(async () => {
  await source?.close();
  await azurite?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('blob trigger, transient failures', () => {
  it(
    'scores a blob within seconds once storage is back after it failed every try, once',
    async () => {
      let calls = 0;
      let down: Promise<void> | undefined;
      source = await startBlobSource({
        functions: [
          {
            name: 'flaky',
            options: {
              path: 'in-t/{name}',
              connection,
              return: output.storageBlob({ path: 'out-t/{name}.txt', connection }),
              handler: async (input: unknown) => {
                calls++;
                if (calls === 1) {
                  // Storage goes away mid-run: this try fails, and so do the next ones and the poison record.
                  down = azurite.stop();
                  await down;
                  throw new Error('storage went away');
                }
                return `scored ${(input as Buffer).length} bytes`;
              },
            },
          },
        ],
        connectionString: azurite.connectionString,
        hostId: 'transient-test',
        logger: pino({ level: 'silent' }),
        pollIntervalMs: 50,
        maxAttempts: 2,
        retryDelayMs: 5,
      });
      const service = () => BlobServiceClient.fromConnectionString(azurite.connectionString);
      await service().getContainerClient('in-t').getBlockBlobClient('a.png').upload('12345', 5);
      while (!down) await new Promise((r) => setTimeout(r, 10));
      await down;
      // Long enough for both tries and the failed poison record to be over while storage is down.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(calls).toBe(1);
      azurite = await restart();
      const back = Date.now();
      const result = service().getContainerClient('out-t').getBlobClient('a.png.txt');
      while (!(await result.exists()) && Date.now() - back < CLAIM_MS + 10_000)
        await new Promise((r) => setTimeout(r, 100));
      const waited = Date.now() - back;
      expect(waited).toBeLessThan(10_000);
      expect((await result.downloadToBuffer()).toString()).toBe('scored 5 bytes');
      await source.idle();
      expect(calls).toBe(2);
      // One claim, neither given up nor poisoned (a completed version keeps it `running`), the journal
      // records the completion, the poison queue is empty: the failed tries left nothing behind.
      const hosts = service().getContainerClient(HOSTS_CONTAINER);
      const claims: Record<string, string | undefined>[] = [];
      for await (const item of hosts.listBlobsFlat({
        prefix: 'blobreceipts/transient-test/flaky/in-t.claims/',
        includeMetadata: true,
      }))
        claims.push(item.metadata ?? {});
      expect(claims.map((m) => m.status)).toEqual(['running']);
      const lines: { blob: string; status: string }[] = [];
      for await (const item of hosts.listBlobsFlat({
        prefix: 'blobreceipts/transient-test/flaky/in-t.journal/',
      }))
        for (const raw of (await hosts.getBlobClient(item.name).downloadToBuffer()).toString().split('\n'))
          if (raw) lines.push(JSON.parse(raw) as { blob: string; status: string });
      expect(lines.map((l) => [l.blob, l.status])).toEqual([['a.png', 'completed']]);
      const poison = await new StorageQueue(
        parseConnectionString(azurite.connectionString),
        POISON_QUEUE,
      ).peek();
      expect(poison).toHaveLength(0);
    },
    CLAIM_MS + 60_000,
  );
});

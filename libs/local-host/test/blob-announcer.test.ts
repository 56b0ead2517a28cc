// The local announcer against a stand-in webhook (a real HTTP server): what it posts, that a version is
// announced once, that a delivery that fails for a passing reason is announced again on the next listing,
// and that a refused one is not.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BlobItem } from '@azure/storage-blob';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobAnnouncer } from '../src/blob/blob-announcer.js';
import { parseTriggerPath } from '../src/blob/blob-path.js';
import type { Watcher } from '../src/blob/blob-watch.js';

interface Delivery {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  events: { eventType: string; subject: string; data: { url: string; eTag: string; blobType: string } }[];
}

let server: Server;
let webhookUrl: string;
const deliveries: Delivery[] = [];
/** Statuses to answer, in order; 202 once they run out. */
let answers: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({
        url: req.url!,
        headers: req.headers,
        events: JSON.parse(Buffer.concat(chunks).toString()) as Delivery['events'],
      });
      res.writeHead(answers.shift() ?? 202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/blobs`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const base = 'http://127.0.0.1:10000/devstoreaccount1/images';
const watcher = {
  fn: { name: 'scoreBlob' },
  pattern: parseTriggerPath('images/{name}.png'),
  container: {
    accountName: 'devstoreaccount1',
    url: base,
    getBlobClient: (name: string) => ({ url: `${base}/${encodeURIComponent(name)}` }),
  },
} as unknown as Watcher;

const item = (name: string, etag: string): BlobItem =>
  ({
    name,
    properties: { etag: `"${etag}"`, lastModified: new Date(0), contentLength: 3, blobType: 'BlockBlob' },
  }) as unknown as BlobItem;

async function settled(a: BlobAnnouncer): Promise<void> {
  while (a.pending) await new Promise((r) => setTimeout(r, 5));
}

describe('BlobAnnouncer', () => {
  it('posts Event Grid BlobCreated events once per blob version, only for names the trigger matches', async () => {
    const a = new BlobAnnouncer({ webhookUrl, logger: pino({ level: 'silent' }) });
    deliveries.length = 0;
    expect(a.consider(watcher, item('a.png', '0x1'))).toBe(true);
    expect(a.consider(watcher, item('notes.txt', '0x2'))).toBe(false);
    await settled(a);
    expect(a.consider(watcher, item('a.png', '0x1'))).toBe(false);
    expect(a.consider(watcher, item('a.png', '0x3'))).toBe(true);
    await settled(a);
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0].url).toBe('/runtime/webhooks/blobs?functionName=Host.Functions.scoreBlob');
    expect(deliveries[0].headers['aeg-event-type']).toBe('Notification');
    expect(deliveries.flatMap((d) => d.events)).toMatchObject([
      {
        eventType: 'Microsoft.Storage.BlobCreated',
        subject: '/blobServices/default/containers/images/blobs/a.png',
        data: { url: `${base}/a.png`, eTag: '0x1', blobType: 'BlockBlob' },
      },
      { data: { eTag: '0x3' } },
    ]);
    await a.close();
  });

  it('announces again after a 5xx or no answer, not after a 4xx', async () => {
    const a = new BlobAnnouncer({ webhookUrl, logger: pino({ level: 'silent' }) });
    deliveries.length = 0;
    answers = [503];
    a.consider(watcher, item('b.png', '0x1'));
    await settled(a);
    // The next listing sees the same version: after the 503 it is announced again, then it is done.
    expect(a.consider(watcher, item('b.png', '0x1'))).toBe(true);
    await settled(a);
    expect(a.consider(watcher, item('b.png', '0x1'))).toBe(false);
    answers = [400];
    a.consider(watcher, item('c.png', '0x1'));
    await settled(a);
    expect(a.consider(watcher, item('c.png', '0x1'))).toBe(false);
    expect(deliveries.map((d) => d.events[0].data.url.split('/').at(-1))).toEqual([
      'b.png',
      'b.png',
      'c.png',
    ]);
    await a.close();

    const down = new BlobAnnouncer({
      webhookUrl: 'http://127.0.0.1:1/runtime/webhooks/blobs',
      logger: pino({ level: 'silent' }),
    });
    down.consider(watcher, item('d.png', '0x1'));
    await settled(down);
    expect(down.consider(watcher, item('d.png', '0x1'))).toBe(true);
    await down.close();
  });
});

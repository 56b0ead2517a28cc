import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, waitForBlob } from './support/clients.js';
import { mnist, png } from './support/digits.js';
import { hostileCorpus, type HostileCase } from './support/hostile-corpus.js';
import { startSystem, type System } from './support/system.js';

/** Bounded memory: the host's peak RSS after the whole corpus (a 50000x50000 decode alone would need 2.5 GB). */
const MAX_PEAK_RSS = 1024 * 1024 * 1024;

/** Service Bus Standard's largest message, which the emulator that npm start runs enforces by default. */
const SERVICEBUS_MAX_MESSAGE_BYTES = 256 * 1024;
describe('hostile input against every trigger', () => {
  let sys: System;
  let sb: ServiceBusClient;
  let corpus: HostileCase[];

  beforeAll(async () => {
    corpus = await hostileCorpus();
    sys = await startSystem();
    sb = new ServiceBusClient(sys.servicebus);
  });

  afterAll(async () => {
    await sb?.close();
    await sys?.stop();
  });

  async function stillServes(): Promise<void> {
    expect(sys.child.exitCode).toBeNull();
    const r = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await png(0),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual([mnist.labels[0]]);
  }

  it('HTTP: each bad input gets its documented status and a JSON error', async () => {
    for (const c of corpus) {
      const r = await fetch(`${sys.url}${c.path ?? '/score'}`, {
        method: 'POST',
        headers: c.contentType ? { 'content-type': c.contentType } : {},
        body: c.body,
      });
      const body = (await r.json()) as { error?: string; code?: string };
      expect({ case: c.name, status: r.status, code: body.code }).toEqual({
        case: c.name,
        status: c.status,
        code: c.code,
      });
      expect(typeof body.error).toBe('string');
    }
    // Over MAX_REQUEST_BYTES (8 MiB) is refused before it is read.
    const big = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(9 * 1024 * 1024, 0x20),
    });
    expect(big.status).toBe(413);
    await stillServes();
  });

  it('HTTP: huge headers are refused by the server, which stays up', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((ok, fail) => {
      const req = request(
        `${sys.url}/score`,
        { method: 'POST', headers: { 'x-junk': 'a'.repeat(64 * 1024), 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', fail);
      req.end('{"data":[[0]]}');
    });
    expect(status).toBe(431);
    expect(JSON.parse(body)).toMatchObject({ code: 'HEADERS_TOO_LARGE', error: expect.any(String) });
    await stillServes();
  });

  it('Blob: each bad blob gets an error record with the same code, and no retries', async () => {
    const container = BlobServiceClient.fromConnectionString(sys.storage).getContainerClient('images');
    await container.createIfNotExists();
    const cases = corpus.filter((c) => !c.path);
    for (const [i, c] of cases.entries()) {
      await container
        .getBlockBlobClient(`hostile/${i}`)
        .uploadData(c.body, { blobHTTPHeaders: { blobContentType: c.contentType } });
    }
    for (const [i, c] of cases.entries()) {
      const record = (await waitForBlob(sys.storage, 'predictions', `hostile/${i}.error.json`)) as {
        code: string;
        error: string;
      };
      expect({ case: c.name, code: record.code }).toEqual({ case: c.name, code: c.code });
    }
    await stillServes();
  });

  it('Service Bus: each bad message gets an error reply with the same code, and a message with no body too', async () => {
    const sender = sb.createSender('scoring-requests');
    const all = corpus.filter((c) => !c.path || c.path.includes('/infer'));
    // A body over the queue's message size (256 KB, the Standard tier, which the emulator enforces) never
    // reaches the app: the broker refuses the send, as Azure does.
    const tooLarge = all.filter((c) => c.body.length > SERVICEBUS_MAX_MESSAGE_BYTES);
    const cases = all.filter((c) => !tooLarge.includes(c));
    for (const c of tooLarge) {
      await expect(sender.sendMessages({ body: c.body, contentType: c.contentType })).rejects.toMatchObject({
        code: 'MessageSizeExceeded',
      });
    }
    for (const [i, c] of cases.entries()) {
      await sender.sendMessages({ body: c.body, contentType: c.contentType, correlationId: `hostile-${i}` });
    }
    await sender.sendMessages({ body: null, correlationId: 'hostile-nobody' });
    await sender.close();
    const got = await replies(sb, [...cases.map((_, i) => `hostile-${i}`), 'hostile-nobody'], 30_000);
    for (const [i, c] of cases.entries()) {
      const reply = got.get(`hostile-${i}`);
      expect({
        case: c.name,
        status: reply?.applicationProperties?.status,
        code: (reply?.body as { code?: string })?.code,
      }).toEqual({
        case: c.name,
        status: 'error',
        code: c.code,
      });
    }
    expect(got.get('hostile-nobody')?.body).toMatchObject({ code: 'INVALID_INPUT' });
    await stillServes();
  });

  it('memory stayed bounded through the whole corpus', () => {
    expect(sys.peakRss()).toBeLessThan(MAX_PEAK_RSS);
  });
});

// `npm run send`'s request/reply round trip against the real Service Bus emulator and SDK, with a stub
// responder in place of the scoring app.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { collectFiles, sendRequests } from '../src/index.js';
import { startServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let emulator: Awaited<ReturnType<typeof startServiceBusEmulator>>;
let client: ServiceBusClient;
let dir: string;
let stopResponder: () => Promise<void>;

beforeAll(async () => {
  emulator = await startServiceBusEmulator({ port: 0, queues: { requests: {}, replies: {} } });
  client = new ServiceBusClient(emulator.connectionString);
  // Answers each request with its content type and what arrived (bytes, or JSON parsed), as the app answers with a prediction.
  const receiver = client.createReceiver('requests', { receiveMode: 'receiveAndDelete' });
  const sender = client.createSender('replies');
  receiver.subscribe({
    processMessage: async (m) => {
      const body = m.body as unknown;
      const got = Buffer.isBuffer(body) ? { bytes: body.length } : { json: body };
      await sender.sendMessages({
        correlationId: m.correlationId,
        body: { contentType: m.contentType, ...got, replyTo: m.replyTo },
        applicationProperties: { status: 'ok' },
      });
    },
    processError: async () => undefined,
  });
  stopResponder = async () => {
    await receiver.close();
    await sender.close();
  };
  dir = await mkdtemp(join(tmpdir(), 'send-'));
  await writeFile(join(dir, 'a.png'), Buffer.alloc(7));
  await writeFile(join(dir, 'b.json'), JSON.stringify({ data: [[1, 2]] }));
});

afterAll(async () => {
  await stopResponder?.();
  await client?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sendRequests', () => {
  it('sends images as bytes and JSON files as JSON, and pairs every reply with its file', async () => {
    const files = await collectFiles([dir]);
    const seen: string[] = [];
    const results = await sendRequests({
      connectionString: emulator.connectionString,
      requestQueue: 'requests',
      replyQueue: 'replies',
      files,
      timeoutMs: 20_000,
      onReply: (r) => seen.push(r.file),
    });
    expect(results).toEqual([
      {
        file: join(dir, 'a.png'),
        status: 'ok',
        reply: { contentType: 'image/png', bytes: 7, replyTo: 'replies' },
      },
      {
        file: join(dir, 'b.json'),
        status: 'ok',
        reply: { contentType: 'application/json', json: { data: [[1, 2]] }, replyTo: 'replies' },
      },
    ]);
    expect(seen.sort()).toEqual(files.map((f) => f.file).sort());
  });
});

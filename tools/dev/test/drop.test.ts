// `npm run drop` against real Azurite and the local blob source, with a stub function in place of the model.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import azf, { type InvocationContext } from '@azure/functions';
import { collectFiles, dropBlobs, type DropProgress } from '../src/index.js';
import { startAzurite, startBlobSource, type BlobSource, type RunningAzurite } from '@modelfn/local-host';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { output } = azf;
const ROOT = resolve(import.meta.dirname, '../../..');
let azurite: RunningAzurite;
let source: BlobSource;
let dir: string;

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  const errorOutput = output.storageBlob({ path: 'results/{name}.error.json', connection: 'Storage' });
  source = await startBlobSource({
    connectionString: azurite.connectionString,
    hostId: 'drop-test',
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 20,
    functions: [
      {
        name: 'measure',
        options: {
          path: 'uploads/{name}',
          connection: 'Storage',
          return: output.storageBlob({ path: 'results/{name}.json', connection: 'Storage' }),
          extraOutputs: [errorOutput],
          // Stands in for the model: the size of what was dropped, or an error record for files named bad*.
          handler: (blob: unknown, context: InvocationContext) => {
            const name = String(context.triggerMetadata?.name);
            if (name.split('/').at(-1)!.startsWith('bad')) {
              context.extraOutputs.set(errorOutput, { error: 'refused', code: 'INVALID_INPUT' });
              return undefined;
            }
            return { name, bytes: (blob as Buffer).length };
          },
        },
      },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'drop-'));
  await mkdir(join(dir, 'digits', 'more'), { recursive: true });
  await writeFile(join(dir, 'digits', 'one.png'), Buffer.alloc(3));
  await writeFile(join(dir, 'digits', 'more', 'two.png'), Buffer.alloc(5));
  await writeFile(join(dir, 'digits', '.hidden'), 'x');
  await writeFile(join(dir, 'bad.png'), 'x');
});

afterAll(async () => {
  await source?.close();
  await azurite?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dropBlobs', () => {
  it('uploads a folder (names by path inside it) and a file, reports progress, and collects every result', async () => {
    const files = await collectFiles([join(dir, 'digits'), join(dir, 'bad.png')]);
    expect(files.map((f) => f.name)).toEqual(['more/two.png', 'one.png', 'bad.png']);
    const events: DropProgress[] = [];
    const results = await dropBlobs({
      connectionString: azurite.connectionString,
      inputContainer: 'uploads',
      outputContainer: 'results',
      files,
      timeoutMs: 20_000,
      onProgress: (p) => events.push(p),
    });
    expect(results.map((r) => [r.blob, r.status, r.output])).toEqual([
      ['uploads/more/two.png', 'scored', 'results/more/two.png.json'],
      ['uploads/one.png', 'scored', 'results/one.png.json'],
      ['uploads/bad.png', 'refused', 'results/bad.png.error.json'],
    ]);
    expect(JSON.parse(results[0].body!)).toEqual({ name: 'more/two.png', bytes: 5 });
    expect(events.filter((e) => !e.result).map((e) => e.uploaded)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.result).map((e) => e.answered)).toEqual([1, 2, 3]);

    // A second drop of the same file waits for the new result, not the one already there.
    const again = await dropBlobs({
      connectionString: azurite.connectionString,
      inputContainer: 'uploads',
      outputContainer: 'results',
      files: [{ file: join(dir, 'digits', 'one.png'), name: 'one.png' }],
      timeoutMs: 20_000,
    });
    expect(again[0].status).toBe('scored');
  });

  it('says which files got no result in time', async () => {
    const results = await dropBlobs({
      connectionString: azurite.connectionString,
      inputContainer: 'nobody-watches',
      outputContainer: 'results',
      files: [{ file: join(dir, 'bad.png'), name: 'x.png' }],
      timeoutMs: 300,
    });
    expect(results).toEqual([
      { file: join(dir, 'bad.png'), blob: 'nobody-watches/x.png', status: 'missing' },
    ]);
  });
});

describe('npm run drop', () => {
  it('drops a folder, prints a result line per file, a progress line per result, and exits 2 for a refusal', async () => {
    // Asynchronously: the blob source that answers runs in this process.
    const run = await new Promise<{ stdout: string; stderr: string; code: number }>((done) =>
      execFile(
        'npm',
        ['run', '--silent', 'drop', '--', join(dir, 'digits'), join(dir, 'bad.png'), '--timeout', '20'],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            AzureWebJobsStorage: azurite.connectionString,
            BLOB_INPUT_CONTAINER: 'uploads',
            BLOB_OUTPUT_CONTAINER: 'results',
          },
        },
        (err, stdout, stderr) => done({ stdout, stderr, code: err ? Number(err.code) : 0 }),
      ),
    );
    expect(run.stdout.trim().split('\n')).toEqual([
      'results/more/two.png.json {"name":"more/two.png","bytes":5}',
      'results/one.png.json {"name":"one.png","bytes":3}',
      expect.stringMatching(/^results\/bad\.png\.error\.json \{"error":"refused","code":"INVALID_INPUT"\}$/),
    ]);
    expect(run.stderr).toMatch(/answered 3\/3/);
    expect(run.code).toBe(2);
  });
});

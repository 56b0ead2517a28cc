import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)],
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

  const scorerFor = (repository: string) =>
    createScorer(
      readSettings({
        MODEL_REPOSITORY: repository,
        MODEL_CACHE_DIR: cacheDir,
        AzureWebJobsStorage: azurite.connectionString,
        CACHE_MODE: 'memory',
        INFERENCE_THREADS: '0',
        ENTRY_SCRIPT_THREADS: '0',
      }),
    );

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

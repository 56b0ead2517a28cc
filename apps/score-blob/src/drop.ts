/**
 * Drops images into the trigger container and prints what the blob function wrote for each:
 *   npx tsx apps/score-blob/src/drop.ts digit.png [more.png ...] [--name blob-name] [--timeout seconds]
 * Storage: AzureWebJobsStorage, default `UseDevelopmentStorage=true` (the Azurite that `npm start` runs).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { blobSettings } from './settings.js';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.json': 'application/json',
};

const statusOf = (e: unknown) => (e as { statusCode?: number } | undefined)?.statusCode;

async function etagOf(container: ContainerClient, name: string): Promise<string | undefined> {
  try {
    return (await container.getBlobClient(name).getProperties()).etag;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/** Waits for a result blob that is not the one there before the upload (a re-drop overwrites it). */
async function waitForResult(
  container: ContainerClient,
  names: string[],
  before: (string | undefined)[],
  timeoutMs: number,
): Promise<{ name: string; body: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const [i, name] of names.entries()) {
      const etag = await etagOf(container, name);
      if (etag && etag !== before[i]) {
        return { name, body: (await container.getBlobClient(name).downloadToBuffer()).toString('utf8') };
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

async function drop(
  service: BlobServiceClient,
  file: string,
  name: string,
  timeoutMs: number,
): Promise<number> {
  const body = await readFile(file);
  const input = service.getContainerClient(blobSettings.inputContainer);
  const output = service.getContainerClient(blobSettings.outputContainer);
  await input.createIfNotExists();
  const results = [`${name}.json`, `${name}.error.json`];
  const before = await Promise.all(results.map((r) => etagOf(output, r).catch(() => undefined)));
  await input.getBlockBlobClient(name).uploadData(body, {
    blobHTTPHeaders: {
      blobContentType: CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    },
  });
  process.stderr.write(
    `uploaded ${file} as ${blobSettings.inputContainer}/${name}; waiting for ${blobSettings.outputContainer}/${results[0]}\n`,
  );
  const result = await waitForResult(output, results, before, timeoutMs);
  if (!result) {
    process.stderr.write(
      `no result for ${blobSettings.inputContainer}/${name} after ${timeoutMs / 1000} s: is the local host running (npm start), ` +
        'and does AzureWebJobsStorage point at the storage it watches?\n',
    );
    return 1;
  }
  let pretty = result.body;
  try {
    pretty = JSON.stringify(JSON.parse(result.body), null, 2);
  } catch {
    // Not JSON: print it as it is.
  }
  process.stdout.write(`${blobSettings.outputContainer}/${result.name}\n${pretty}\n`);
  return result.name.endsWith('.error.json') ? 2 : 0;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      timeout: { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stderr.write('usage: drop <image> [more images...] [--name <blob name>] [--timeout <seconds>]\n');
    return values.help ? 0 : 1;
  }
  if (values.name && positionals.length > 1) {
    process.stderr.write('--name works with one file only\n');
    return 1;
  }
  const timeoutMs = Number(values.timeout) * 1000;
  if (!(timeoutMs > 0)) {
    process.stderr.write(`--timeout ${values.timeout} must be a positive number of seconds\n`);
    return 1;
  }
  const connection = process.env[blobSettings.connectionSetting] || 'UseDevelopmentStorage=true';
  // Few tries: with nothing listening, the default retry policy would hide the problem for a minute.
  const service = BlobServiceClient.fromConnectionString(connection, { retryOptions: { maxTries: 2 } });
  let worst = 0;
  for (const file of positionals) {
    try {
      worst = Math.max(worst, await drop(service, file, values.name ?? basename(file), timeoutMs));
    } catch (e) {
      const code = (e as { code?: string }).code;
      const hint =
        code === 'ECONNREFUSED'
          ? ` (nothing listens at ${service.url}: start the local host with npm start, or set AzureWebJobsStorage)`
          : code === 'ENOENT'
            ? ' (no such file)'
            : '';
      process.stderr.write(`${file}: ${(e as Error).message}${hint}\n`);
      worst = 1;
    }
  }
  return worst;
}

process.exitCode = await main();

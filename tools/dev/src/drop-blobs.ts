import { readFile } from 'node:fs/promises';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { InputFile } from './collect-files.js';
import { contentTypeOf } from './content-types.js';

export interface DropOptions {
  /** Storage connection string (AzureWebJobsStorage). */
  connectionString: string;
  inputContainer: string;
  outputContainer: string;
  files: InputFile[];
  /** How long to wait for all results after the last upload. */
  timeoutMs: number;
  /** Uploads in flight at once. Default 8. */
  concurrency?: number;
  onProgress?: (progress: DropProgress) => void;
}

export interface DropProgress {
  total: number;
  uploaded: number;
  answered: number;
  /** The result that just arrived, if that is what changed. */
  result?: DropResult;
}

export interface DropResult {
  file: string;
  /** `<input container>/<name>` */
  blob: string;
  /** `scored`: `<name>.json` was written; `refused`: `<name>.error.json`; `missing`: neither in time. */
  status: 'scored' | 'refused' | 'missing';
  /** `<output container>/<result blob>` */
  output?: string;
  body?: string;
}

const POLL_MS = 100;

/** ETags of the result blobs already there, so a re-drop waits for a new result, not the old one. */
async function etags(container: ContainerClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!(await container.exists())) return out;
  for await (const item of container.listBlobsFlat()) out.set(item.name, item.properties.etag ?? '');
  return out;
}

async function mapLimit<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

/**
 * Uploads files into the blob trigger's container and waits for what the function writes for each:
 * `<name>.json` or `<name>.error.json` in the output container. One listing per poll however many files.
 */
export async function dropBlobs(opts: DropOptions): Promise<DropResult[]> {
  // Few tries: with nothing listening, the default retry policy would hide the problem for a minute.
  const service = BlobServiceClient.fromConnectionString(opts.connectionString, {
    retryOptions: { maxTries: 2 },
  });
  const input = service.getContainerClient(opts.inputContainer);
  const output = service.getContainerClient(opts.outputContainer);
  await input.createIfNotExists();
  const before = await etags(output);
  const progress: DropProgress = { total: opts.files.length, uploaded: 0, answered: 0 };
  const report = (result?: DropResult) => opts.onProgress?.({ ...progress, ...(result ? { result } : {}) });

  const pending = new Map<string, InputFile>();
  await mapLimit(opts.files, opts.concurrency ?? 8, async (f) => {
    pending.set(f.name, f);
    await input.getBlockBlobClient(f.name).uploadData(await readFile(f.file), {
      blobHTTPHeaders: { blobContentType: contentTypeOf(f.file) },
    });
    progress.uploaded++;
    report();
  });

  const results = new Map<string, DropResult>();
  const deadline = Date.now() + opts.timeoutMs;
  while (pending.size > 0 && Date.now() < deadline) {
    const now = await etags(output);
    for (const [name, f] of pending) {
      for (const [suffix, status] of [
        ['.json', 'scored'],
        ['.error.json', 'refused'],
      ] as const) {
        const resultName = `${name}${suffix}`;
        const etag = now.get(resultName);
        if (etag === undefined || etag === before.get(resultName)) continue;
        const body = (await output.getBlobClient(resultName).downloadToBuffer()).toString('utf8');
        const result: DropResult = {
          file: f.file,
          blob: `${opts.inputContainer}/${name}`,
          status,
          output: `${opts.outputContainer}/${resultName}`,
          body,
        };
        results.set(name, result);
        pending.delete(name);
        progress.answered++;
        report(result);
        break;
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, POLL_MS));
  }
  for (const [name, f] of pending) {
    results.set(name, { file: f.file, blob: `${opts.inputContainer}/${name}`, status: 'missing' });
  }
  return opts.files.map((f) => results.get(f.name)!);
}

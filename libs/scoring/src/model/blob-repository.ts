import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import {
  storageCredential,
  storageConnection,
  type StorageConnection,
  type TokenCredential,
} from '@modelfn/identity';
import type { Env } from '@modelfn/settings';
import { linkAppPackages } from './app-packages.js';
import { describeBlobRepository } from './repository-location.js';

export interface BlobRepositoryOptions {
  /** Where the copy lives (in its `models/`); default a folder per repository under the OS temp dir. */
  cacheDir?: string;
  /** For `blob:` repositories: the storage connection string (AzureWebJobsStorage). */
  connectionString?: string;
  /** For `blob:` repositories: AzureWebJobsStorage as a connection string or an identity (wins over connectionString). */
  connection?: StorageConnection;
  /** For a container URL without a SAS: the Entra ID credential that reads it. */
  credential?: TokenCredential;
  /**
   * MODELS: only these models' blobs are copied. The others' folders are made empty, so a request for one
   * is told that MODELS leaves it out rather than that it does not exist.
   */
  models?: readonly string[];
  /**
   * App settings for what is not given above: AzureWebJobsStorage__accountName / __blobServiceUri /
   * __credential / __clientId for `blob:`, and that credential for a URL without a SAS.
   */
  env?: Env;
}

function container(spec: string, opts: BlobRepositoryOptions): { client: ContainerClient; prefix: string } {
  if (spec.startsWith('blob:')) {
    const connection: StorageConnection | undefined =
      opts.connection ??
      (opts.connectionString
        ? { kind: 'connectionString', connectionString: opts.connectionString }
        : opts.env && storageConnection(opts.env));
    if (!connection) {
      throw new Error(
        `MODEL_REPOSITORY=${spec} needs AzureWebJobsStorage (a connection string, or __accountName / __blobServiceUri for an identity) to reach its account`,
      );
    }
    const [name, ...rest] = spec.slice('blob:'.length).split('/');
    const client =
      connection.kind === 'connectionString'
        ? new ContainerClient(connection.connectionString, name)
        : new ContainerClient(
            `${connection.blobServiceUri}/${encodeURIComponent(name)}`,
            connection.credential,
          );
    return { client, prefix: rest.filter(Boolean).join('/') };
  }
  const url = new URL(spec);
  // Path-style (Azurite: /<account>/<container>/...) or host-style (Azure: /<container>/...).
  const parts = url.pathname.split('/').filter(Boolean);
  const pathStyle = /^\d+\.\d+\.\d+\.\d+$|^localhost$/.test(url.hostname);
  const depth = pathStyle ? 2 : 1;
  if (parts.length < depth)
    throw new Error(`MODEL_REPOSITORY=${describeBlobRepository(spec)} names no container`);
  const base = new URL(url);
  base.pathname = '/' + parts.slice(0, depth).join('/');
  // A SAS in the URL authorizes by itself; without one, the identity's token does.
  const credential =
    url.searchParams.has('sig') || url.searchParams.has('sv')
      ? undefined
      : (opts.credential ?? (opts.env && storageCredential(opts.env)));
  const client = credential
    ? new ContainerClient(base.toString(), credential)
    : new ContainerClient(base.toString());
  return { client, prefix: parts.slice(depth).join('/') };
}

interface Manifest {
  /** Blob name (relative to the prefix) → the ETag of the copy on disk. */
  etags: Record<string, string>;
}

/**
 * Brings the local copy up to date: new and changed blobs are downloaded (to a temporary name, then renamed,
 * so a crash never leaves half a file under the real name), unchanged ones kept, removed ones deleted.
 * Returns the folder to load: `models/` of the cache folder, beside a `node_modules` link to the app's
 * packages, the layout of a deployed app, so entry scripts load from the copy as from the app's models/.
 */
export async function syncBlobRepository(spec: string, opts: BlobRepositoryOptions = {}): Promise<string> {
  const where = describeBlobRepository(spec);
  const cacheDir =
    opts.cacheDir ??
    join(tmpdir(), 'modelfn-models', createHash('sha256').update(where).digest('hex').slice(0, 16));
  const root = join(cacheDir, 'models');
  const { client, prefix } = container(spec, opts);
  const manifestPath = join(root, '.modelfn-sync.json');
  const manifest: Manifest = await readFile(manifestPath, 'utf8')
    .then((t) => JSON.parse(t) as Manifest)
    .catch(() => ({ etags: {} }));
  const seen: Record<string, string> = {};
  try {
    for await (const blob of client.listBlobsFlat({ prefix: prefix ? `${prefix}/` : undefined })) {
      const name = prefix ? blob.name.slice(prefix.length + 1) : blob.name;
      const local = join(root, ...name.split('/'));
      if (!local.startsWith(root + sep) || name.split('/').includes('..')) continue;
      const [top] = name.split('/');
      if (opts.models && name.includes('/') && !opts.models.includes(top)) {
        await mkdir(join(root, top), { recursive: true });
        continue;
      }
      const etag = blob.properties.etag ?? '';
      seen[name] = etag;
      if (manifest.etags[name] === etag && etag !== '') continue;
      await mkdir(dirname(local), { recursive: true });
      const partial = `${local}.download`;
      await client.getBlobClient(blob.name).downloadToFile(partial);
      await rename(partial, local);
    }
  } catch (e) {
    throw new Error(`MODEL_REPOSITORY=${where} could not be read: ${(e as Error).message}`, { cause: e });
  }
  for (const name of Object.keys(manifest.etags)) {
    if (name in seen) continue;
    const local = join(root, ...name.split('/'));
    await rm(local, { force: true });
    // A version whose blobs are all gone is no version any more: its emptied folders go too.
    for (let dir = dirname(local); dir.startsWith(root + sep); dir = dirname(dir)) {
      if ((await readdir(dir).catch(() => [''])).length > 0) break;
      await rmdir(dir).catch(() => undefined);
    }
  }
  await mkdir(root, { recursive: true });
  await writeFile(manifestPath, JSON.stringify({ etags: seen } satisfies Manifest));
  await linkAppPackages(cacheDir);
  return root;
}

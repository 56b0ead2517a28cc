import type { FunctionOutput } from '@azure/functions';
import { resolveBlobPath } from './blob-path.js';
import { BlobSourceError } from './blob-source-error.js';
import type { StorageClients } from './storage-clients.js';

export interface BlobOutputBinding extends FunctionOutput {
  type: 'blob';
  path: string;
  connection: string;
}

export function isBlobOutput(output: FunctionOutput): output is BlobOutputBinding {
  return output.type === 'blob' && typeof output.path === 'string' && typeof output.connection === 'string';
}

/** Only blob outputs are mounted locally; anything else is a definition error, reported at start. */
export function checkOutputs(
  functionName: string,
  outputs: (FunctionOutput | undefined)[],
): BlobOutputBinding[] {
  const result: BlobOutputBinding[] = [];
  for (const o of outputs) {
    if (!o) continue;
    if (!isBlobOutput(o)) {
      throw new BlobSourceError(
        'UNSUPPORTED_BINDING',
        `function "${functionName}" has a "${o.type}" output; the local blob source writes only storage blob outputs (output.storageBlob)`,
      );
    }
    result.push(o);
  }
  return result;
}

/** As the Functions host serializes output values: bytes as-is, strings as text, anything else as JSON. */
export function serializeOutput(value: unknown, blobName: string): { body: Buffer; contentType: string } {
  if (Buffer.isBuffer(value)) return { body: value, contentType: 'application/octet-stream' };
  if (value instanceof Uint8Array)
    return {
      body: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      contentType: 'application/octet-stream',
    };
  if (typeof value === 'string') {
    return {
      body: Buffer.from(value),
      contentType: blobName.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8',
    };
  }
  return { body: Buffer.from(JSON.stringify(value)), contentType: 'application/json' };
}

/** Writes output values to their blobs, creating containers on first use (as the host does). */
export class BlobOutputWriter {
  private readonly containers = new Map<string, Promise<unknown>>();

  constructor(private readonly clients: StorageClients) {}

  async write(output: BlobOutputBinding, bindings: Record<string, string>, value: unknown): Promise<string> {
    const { container, blobName } = resolveBlobPath(output.path, bindings);
    const service = this.clients.service(output.connection);
    const containerClient = service.getContainerClient(container);
    const key = `${service.url}|${container}`;
    let created = this.containers.get(key);
    if (!created) {
      created = containerClient.createIfNotExists();
      // A failed create is retried on the next write rather than remembered.
      created.catch(() => this.containers.delete(key));
      this.containers.set(key, created);
    }
    await created;
    const { body, contentType } = serializeOutput(value, blobName);
    await this.clients.rest(output.connection).put(container, blobName, body, contentType);
    return `${container}/${blobName}`;
  }
}

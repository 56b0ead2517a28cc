import type { ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import { storageConnection } from '@modelfn/identity';
import { ScoringError } from '@modelfn/scoring';
import type { Env } from '@modelfn/settings';
import type { JobEnvelope } from './job-envelope.js';
import { jobSettings } from './job-settings.js';
import { answerFromBlob, answerMetadata, type StoredAnswer } from './stored-answer.js';

// A job is three blobs under its id in the jobs container: `body` (the request's bytes, deleted once
// answered), `request.json` (its envelope: written after the body, so a job that has one has both) and
// `answer` (what POST /score would have answered). The queue message only names the id: any instance may
// take it, and any instance can answer the status call from the blobs.
const BODY = 'body';
const REQUEST = 'request.json';
const ANSWER = 'answer';

// The storage SDK's RestError, by name: the SDK itself is loaded only once a job is asked for.
const isMissing = (e: unknown) =>
  e instanceof Error && e.name === 'RestError' && (e as { statusCode?: number }).statusCode === 404;

export interface JobClients {
  container: ContainerClient;
  queue: QueueClient;
}

export class JobStore {
  private ready?: Promise<unknown>;
  private clients?: Promise<JobClients>;

  /**
   * `connect` makes the clients on first use: the storage SDKs (over 1 MB of the bundle) are not read at
   * start, where most apps answer every request synchronously (issue 28, cold start).
   */
  constructor(private readonly connect: () => Promise<JobClients>) {}

  private client(): Promise<JobClients> {
    this.clients ??= this.connect().catch((e: unknown) => {
      this.clients = undefined;
      throw e;
    });
    return this.clients;
  }

  /** Made on first use: the container and the queue where none exist yet (the azd template makes both). */
  private prepare(): Promise<unknown> {
    this.ready ??= this.client()
      .then(({ container, queue }) => Promise.all([container.createIfNotExists(), queue.createIfNotExists()]))
      .catch((e: unknown) => {
        this.ready = undefined;
        throw e;
      });
    return this.ready;
  }

  private async blob(id: string, part: string) {
    return (await this.client()).container.getBlockBlobClient(`${id}/${part}`);
  }

  /**
   * Keeps the request and hands the id to the job function. Storage failing is a 503 for the caller to
   * retry; a job whose message could not be sent is removed, so no status URL names a job no one runs.
   */
  async submit(id: string, envelope: JobEnvelope, body: Buffer): Promise<void> {
    try {
      await this.prepare();
      const type = envelope.request.contentType;
      await (
        await this.blob(id, BODY)
      ).uploadData(body, type ? { blobHTTPHeaders: { blobContentType: type } } : {});
      const json = Buffer.from(JSON.stringify(envelope));
      await (
        await this.blob(id, REQUEST)
      ).uploadData(json, {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (e) {
      throw unavailable('the job could not be stored', e);
    }
    try {
      // The Functions host's queue trigger reads base64 (host.json messageEncoding).
      await (await this.client()).queue.sendMessage(Buffer.from(JSON.stringify({ id })).toString('base64'));
    } catch (e) {
      await Promise.all([BODY, REQUEST].map(async (p) => (await this.blob(id, p)).deleteIfExists())).catch(
        () => undefined,
      );
      throw unavailable('the job could not be queued', e);
    }
  }

  /** The request of a job not answered yet; undefined when there is none (never accepted, or removed). */
  async request(id: string): Promise<{ envelope: JobEnvelope; body: Buffer } | undefined> {
    try {
      const envelope = JSON.parse(
        (await (await this.blob(id, REQUEST)).downloadToBuffer()).toString('utf8'),
      ) as JobEnvelope;
      return { envelope, body: await (await this.blob(id, BODY)).downloadToBuffer() };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** When a job of this id was accepted (answered or not); undefined when none was (or it was removed). */
  async acceptedAt(id: string): Promise<Date | undefined> {
    try {
      return (await (await this.blob(id, REQUEST)).getProperties()).lastModified;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** The job's answer, with when it was written (what its retention counts from). */
  async answer(id: string): Promise<(StoredAnswer & { writtenAt?: Date }) | undefined> {
    const blob = await this.blob(id, ANSWER);
    try {
      const body = await blob.downloadToBuffer();
      // The metadata read after the bytes: an answer is written once, never changed.
      const { metadata, lastModified } = await blob.getProperties();
      return { ...answerFromBlob(metadata, body), writtenAt: lastModified };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** Writes the job's answer, then drops its body (a document may be tens of MB; the envelope stays). */
  async finish(id: string, answer: StoredAnswer): Promise<void> {
    const type = answer.headers['content-type'];
    await (
      await this.blob(id, ANSWER)
    ).uploadData(answer.body, {
      metadata: answerMetadata(answer),
      ...(type ? { blobHTTPHeaders: { blobContentType: type } } : {}),
    });
    await (await this.blob(id, BODY)).deleteIfExists();
  }
}

function unavailable(what: string, cause: unknown): ScoringError {
  return new ScoringError('UNAVAILABLE', `${what} (storage: ${(cause as Error).message}); retry`, {
    cause,
    retryAfterSeconds: 5,
  });
}

/**
 * The store on AzureWebJobsStorage (a connection string, or the identity in Azure); undefined when the
 * setting is absent (a bare test host): then every request is answered synchronously.
 */
export function jobStoreFromEnv(env: Env = process.env): JobStore | undefined {
  const settings = jobSettings(env);
  const conn = storageConnection(env, settings.connectionSetting);
  if (!conn) return undefined;
  return new JobStore(async () => {
    const [{ BlobServiceClient }, { QueueServiceClient }] = await Promise.all([
      import('@azure/storage-blob'),
      import('@azure/storage-queue'),
    ]);
    if (conn.kind === 'identity')
      return {
        container: new BlobServiceClient(conn.blobServiceUri, conn.credential).getContainerClient(
          settings.container,
        ),
        queue: new QueueServiceClient(conn.queueServiceUri, conn.credential).getQueueClient(settings.queue),
      };
    return {
      container: BlobServiceClient.fromConnectionString(conn.connectionString).getContainerClient(
        settings.container,
      ),
      queue: QueueServiceClient.fromConnectionString(conn.connectionString).getQueueClient(settings.queue),
    };
  });
}

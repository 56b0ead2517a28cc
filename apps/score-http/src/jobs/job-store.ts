import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
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

const isMissing = (e: unknown) => e instanceof RestError && e.statusCode === 404;

export class JobStore {
  private ready?: Promise<unknown>;

  constructor(
    private readonly container: ContainerClient,
    private readonly queue: QueueClient,
  ) {}

  /** Made on first use: the container and the queue where none exist yet (the azd template makes both). */
  private prepare(): Promise<unknown> {
    this.ready ??= Promise.all([this.container.createIfNotExists(), this.queue.createIfNotExists()]).catch(
      (e: unknown) => {
        this.ready = undefined;
        throw e;
      },
    );
    return this.ready;
  }

  private blob(id: string, part: string) {
    return this.container.getBlockBlobClient(`${id}/${part}`);
  }

  /**
   * Keeps the request and hands the id to the job function. Storage failing is a 503 for the caller to
   * retry; a job whose message could not be sent is removed, so no status URL names a job no one runs.
   */
  async submit(id: string, envelope: JobEnvelope, body: Buffer): Promise<void> {
    try {
      await this.prepare();
      const type = envelope.request.contentType;
      await this.blob(id, BODY).uploadData(body, type ? { blobHTTPHeaders: { blobContentType: type } } : {});
      const json = Buffer.from(JSON.stringify(envelope));
      await this.blob(id, REQUEST).uploadData(json, {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (e) {
      throw unavailable('the job could not be stored', e);
    }
    try {
      // The Functions host's queue trigger reads base64 (host.json messageEncoding).
      await this.queue.sendMessage(Buffer.from(JSON.stringify({ id })).toString('base64'));
    } catch (e) {
      await Promise.all([BODY, REQUEST].map((p) => this.blob(id, p).deleteIfExists())).catch(() => undefined);
      throw unavailable('the job could not be queued', e);
    }
  }

  /** The request of a job not answered yet; undefined when there is none (never accepted, or removed). */
  async request(id: string): Promise<{ envelope: JobEnvelope; body: Buffer } | undefined> {
    try {
      const envelope = JSON.parse(
        (await this.blob(id, REQUEST).downloadToBuffer()).toString('utf8'),
      ) as JobEnvelope;
      return { envelope, body: await this.blob(id, BODY).downloadToBuffer() };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** When a job of this id was accepted (answered or not); undefined when none was (or it was removed). */
  async acceptedAt(id: string): Promise<Date | undefined> {
    try {
      return (await this.blob(id, REQUEST).getProperties()).lastModified;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** The job's answer, with when it was written (what its retention counts from). */
  async answer(id: string): Promise<(StoredAnswer & { writtenAt?: Date }) | undefined> {
    const blob = this.blob(id, ANSWER);
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
    await this.blob(id, ANSWER).uploadData(answer.body, {
      metadata: answerMetadata(answer),
      ...(type ? { blobHTTPHeaders: { blobContentType: type } } : {}),
    });
    await this.blob(id, BODY).deleteIfExists();
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
  if (conn.kind === 'identity') {
    return new JobStore(
      new BlobServiceClient(conn.blobServiceUri, conn.credential).getContainerClient(settings.container),
      new QueueServiceClient(conn.queueServiceUri, conn.credential).getQueueClient(settings.queue),
    );
  }
  return new JobStore(
    BlobServiceClient.fromConnectionString(conn.connectionString).getContainerClient(settings.container),
    QueueServiceClient.fromConnectionString(conn.connectionString).getQueueClient(settings.queue),
  );
}

import type { CacheStatus } from '../cache/index.js';
import type { DataType, Tensor } from '../tensor/tensor.js';

// The contract between the host and a model's entry script (`score.ts`: `init(context)` once per loaded
// version, `run(request, context)` per request), after Azure ML's entry scripts and their AMLRequest.

export type Trigger = 'http' | 'blob' | 'servicebus' | 'queue';

/** The raw request, the same shape for every trigger (Azure ML's AMLRequest with raw bytes). */
export interface AMLRequest {
  readonly trigger: Trigger;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  /** HTTP headers (lower-case names); for blobs and messages, their string properties. */
  readonly headers: Readonly<Record<string, string>>;
  /** Blob properties and metadata, or a message's application properties and ids. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** The blob's path (`container/name`) for the blob trigger. */
  readonly blobName?: string;
  /** The body parsed as JSON; a ScoringError INVALID_JSON when it is not. */
  json<T = unknown>(): T;
}

/** An ONNX file of the version, as the host loaded and auto-configured it. */
export interface EntrySession {
  readonly name: string;
  readonly batched: boolean;
  readonly inputs: readonly { name: string; datatype: DataType; dims: number[] }[];
  readonly outputs: readonly { name: string; datatype: DataType; dims: number[] }[];
}

export interface EntryLog {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

/**
 * A JSON key/value cache for whole results, namespaced by model version (Redis when configured, with the
 * host's CACHE_TTL_SECONDS; never failing: an unavailable cache is a miss and a dropped write).
 */
export interface EntryCache {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

export interface EntryContext {
  readonly model: {
    readonly name: string;
    readonly version: string;
    /** `models/<name>` and `models/<name>/<version>`. */
    readonly dir: string;
    readonly versionDir: string;
    /** config.json as written (the script's own fields included). */
    readonly config: Readonly<Record<string, unknown>>;
  };
  readonly sessions: Readonly<Record<string, EntrySession>>;
  readonly log: EntryLog;
  /**
   * Runs a session through the host's per-row cache-aside, single flight and batching: for a batched
   * session each row (dim 0) is cached on its own. Outputs by name.
   */
  infer(session: string, inputs: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  readonly cache: EntryCache;
}

/** What a script's `run` may return besides a plain JSON value: a body with a status and headers. */
export interface EntryResponse {
  readonly body: unknown;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

const RESPONSE = Symbol.for('modelfn.entry-response');

/** A typed response from `run` (a symbol from the global registry, so a bundled copy of this module works). */
export function response(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}) {
  return { [RESPONSE]: true, body, status: init.status ?? 200, headers: init.headers ?? {} } as EntryResponse;
}

export function isEntryResponse(v: unknown): v is EntryResponse {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[RESPONSE] === true;
}

export interface EntryScript {
  init?(context: EntryContext): unknown;
  run(request: AMLRequest, context: EntryContext): unknown;
  /**
   * Optional: true when a request is long work whose HTTP caller should get `202 Accepted` and a status URL
   * rather than wait (the script's own `Prefer: respond-async`: a document over some pages, say). Asked by
   * the HTTP trigger only, before `run`, where `run` would be; what it throws is the request's answer.
   */
  respondAsync?(request: AMLRequest, context: EntryContext): unknown;
}

/** What the host may call in a script: `run`, or the HTTP trigger's question before it. */
export type EntryCall = 'run' | 'respondAsync';

/** What running an entry script gives a trigger. */
export interface EntryResult {
  readonly kind: 'entry';
  readonly model: { name: string; version: string };
  readonly body: unknown;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cache: CacheStatus;
}

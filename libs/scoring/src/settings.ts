import { resolve } from 'node:path';
import { isBlobRepository } from './model/repository-location.js';
import { coresPerProcess, enumSetting, intSetting, numberSetting, type Env } from '@modelfn/settings';

/**
 * The in-process LRU in front of Redis, per process. A hit there costs about a fifth of a hit in Redis
 * (docs/benchmarks.md), and an entry can never be stale: its key holds the model's version and hash.
 */
export const DEFAULT_L1_BYTES = 64 * 1024 * 1024;

/**
 * Runtime settings, read from environment variables with the same names as the Azure app settings.
 * Defaults are safe for a laptop: small limits, cache on when Redis is reachable, one ORT thread per session.
 */
export interface Settings {
  /** A folder, or a blob container (see model/blob-repository.ts). */
  modelRepository: string;
  /** Where a blob repository is copied to (default: a folder under the OS temp dir). */
  modelCacheDir: string | undefined;
  /** AzureWebJobsStorage: the account of a `blob:` model repository. */
  storageConnection: string | undefined;
  defaultModel: string | undefined;
  /** MODELS: the repository's models this app serves (the others are not loaded); undefined: all. */
  models?: string[];
  maxRequestBytes: number;
  /** Largest answer a model's outputs may make, counted as their raw bytes (MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  /** Largest row value written to the cache (CACHE_MAX_VALUE_BYTES); larger rows are answered, not cached. */
  cacheMaxValueBytes: number;
  maxImagePixels: number;
  /** Longest image side accepted, checked from the header (MAX_IMAGE_SIDE). */
  maxImageSide: number;
  /** Memory for all image decodes in flight in the process (IMAGE_DECODE_MEMORY_BYTES). */
  imageDecodeMemoryBytes: number;
  /** Decodes that may wait for that memory; beyond, OVERLOADED (IMAGE_DECODE_QUEUE). */
  imageDecodeQueue: number;
  maxBatchRows: number;
  ortIntraOpThreads: number;
  cacheMode: 'redis' | 'memory' | 'off';
  redisUrl: string | undefined;
  redisUsername: string | undefined;
  redisPassword: string | undefined;
  /** Microsoft Entra ID for Redis: `managedidentity` or `default` (REDIS_CREDENTIAL); unset: keys/passwords. */
  redisCredential: string | undefined;
  /** User-assigned identity for REDIS_CREDENTIAL=managedidentity (REDIS_CLIENT_ID). */
  redisClientId: string | undefined;
  redisCluster: boolean;
  cacheTtlSeconds: number;
  cacheL1Bytes: number;
  cacheTimeoutMs: number;
  batching: 'config' | 'off';
  /** Threads of the inference pool (0: every model runs in the event-loop thread). */
  inferenceThreads: number;
  /** Threads that run each entry script (0: the event-loop thread runs them). */
  entryScriptThreads: number;
  /** A pool thread is replaced after this many runs (0: never). */
  inferenceThreadMaxRuns: number;
  /** A model whose runs average more than this moves to the pool. */
  inferenceInlineMaxMs: number;
  /** Per model: rows and bytes that may wait for a run before requests are refused (OVERLOADED). */
  modelQueueMaxRows: number;
  modelQueueMaxBytes: number;
  /** Per entry-script model: the longest wait its runs so far predict for a request before it is refused. */
  modelQueueMaxWaitMs: number;
  /** How long a request for a version that is still loading waits for it before 503 MODEL_LOADING. */
  modelLoadWaitMs: number;
  /**
   * MODEL_CONTROL_MODE, Triton's model control modes: `none` reads the repository once at start; `poll`
   * re-reads it every MODEL_POLL_INTERVAL_S and loads, reloads and unloads what changed; `explicit` changes
   * only on `POST /v2/repository/models/{m}/load|unload`.
   */
  modelControlMode: 'none' | 'poll' | 'explicit';
  modelPollIntervalS: number;
}

// The parsing and its errors are the shared settings module's (one way for every project); the short names
// keep the table below readable.
const int = (env: Env, name: string, fallback: number, min = 0): number =>
  intSetting(env, name, fallback, { min });
const num = (env: Env, name: string, fallback: number): number => numberSetting(env, name, fallback);
const oneOf = enumSetting;

export function readSettings(env: Env = process.env): Settings {
  return {
    modelRepository: isBlobRepository(env.MODEL_REPOSITORY ?? '')
      ? env.MODEL_REPOSITORY!
      : resolve(env.MODEL_REPOSITORY || 'models'),
    modelCacheDir: env.MODEL_CACHE_DIR || undefined,
    storageConnection: env.AzureWebJobsStorage || undefined,
    defaultModel: env.DEFAULT_MODEL || undefined,
    models: modelList(env.MODELS),
    maxRequestBytes: int(env, 'MAX_REQUEST_BYTES', 8 * 1024 * 1024, 1),
    maxResponseBytes: int(env, 'MAX_RESPONSE_BYTES', 64 * 1024 * 1024, 1),
    cacheMaxValueBytes: int(env, 'CACHE_MAX_VALUE_BYTES', 8 * 1024 * 1024, 0),
    maxImagePixels: int(env, 'MAX_IMAGE_PIXELS', 4096 * 4096, 1),
    maxImageSide: int(env, 'MAX_IMAGE_SIDE', 16_384, 1),
    imageDecodeMemoryBytes: int(env, 'IMAGE_DECODE_MEMORY_BYTES', 256 * 1024 * 1024, 1),
    imageDecodeQueue: int(env, 'IMAGE_DECODE_QUEUE', 64, 0),
    maxBatchRows: int(env, 'MAX_BATCH_ROWS', 1024, 1),
    ortIntraOpThreads: int(env, 'ORT_INTRA_OP_THREADS', 1, 0),
    cacheMode: oneOf(
      env,
      'CACHE_MODE',
      ['redis', 'memory', 'off'] as const,
      env.REDIS_URL ? 'redis' : 'memory',
    ),
    redisUrl: env.REDIS_URL || undefined,
    redisUsername: env.REDIS_USERNAME || undefined,
    redisPassword: env.REDIS_PASSWORD || undefined,
    redisCredential: env.REDIS_CREDENTIAL || undefined,
    redisClientId: env.REDIS_CLIENT_ID || undefined,
    redisCluster: env.REDIS_CLUSTER === 'true',
    cacheTtlSeconds: int(env, 'CACHE_TTL_SECONDS', 3600, 1),
    cacheL1Bytes: int(env, 'CACHE_L1_BYTES', DEFAULT_L1_BYTES, 0),
    cacheTimeoutMs: int(env, 'CACHE_TIMEOUT_MS', 50, 1),
    batching: oneOf(env, 'BATCHING', ['config', 'off'] as const, 'config'),
    inferenceThreads: int(env, 'INFERENCE_THREADS', coresPerProcess(env), 0),
    entryScriptThreads: int(env, 'ENTRY_SCRIPT_THREADS', coresPerProcess(env), 0),
    inferenceThreadMaxRuns: int(env, 'INFERENCE_THREAD_MAX_RUNS', 0, 0),
    inferenceInlineMaxMs: num(env, 'INFERENCE_INLINE_MAX_MS', 1),
    modelQueueMaxRows: int(env, 'MODEL_QUEUE_MAX_ROWS', 4096, 1),
    modelQueueMaxBytes: int(env, 'MODEL_QUEUE_MAX_BYTES', 256 * 1024 * 1024, 1),
    modelQueueMaxWaitMs: int(env, 'MODEL_QUEUE_MAX_WAIT_MS', 30_000, 1),
    modelLoadWaitMs: int(env, 'MODEL_LOAD_WAIT_MS', 30_000, 0),
    modelControlMode: oneOf(env, 'MODEL_CONTROL_MODE', ['none', 'poll', 'explicit'] as const, 'none'),
    // Triton's --repository-poll-secs default; a listing (blob) or a stat per file (folder) each time.
    modelPollIntervalS: numberSetting(env, 'MODEL_POLL_INTERVAL_S', 15, 0.1),
  };
}

/** `MODELS=mnist, ocr` as ["mnist", "ocr"]; unset or blank: undefined (every model). */
function modelList(raw: string | undefined): string[] | undefined {
  const names = (raw ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length > 0 ? [...new Set(names)] : undefined;
}

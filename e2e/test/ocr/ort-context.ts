import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryContext, EntrySession, Tensor } from '@modelfn/scoring/entry';
import * as ort from 'onnxruntime-node';
import { modelModule, OCR_DIR } from './support.js';
const CONFIG = JSON.parse(readFileSync(join(OCR_DIR, 'config.json'), 'utf8')) as Record<string, unknown>;

/** What a context was asked, for the tests of batching and caching. */
export interface OrtContext extends EntryContext {
  readonly inferCalls: { session: string; shape: number[] }[];
  readonly cacheKeys: string[];
  /** Empties the page cache and the call log. */
  reset(): void;
}

let sessions: Promise<Record<string, ort.InferenceSession>> | undefined;

/** One onnxruntime session per packaged file for the whole test file (default options, as ocr-node). */
function ortSessions(): Promise<Record<string, ort.InferenceSession>> {
  sessions ??= (async () => {
    const files = CONFIG.files as Record<string, { package: string; path: string }>;
    // The script's own resolver: the package's "exports" hide its assets from require.resolve.
    const { packageDir } = await modelModule<{ packageDir(pkg: string, from: string): string }>(
      'lib/assets.ts',
    );
    const entries = await Promise.all(
      Object.entries(files).map(async ([name, ref]) => {
        const path = join(packageDir(ref.package, OCR_DIR), ref.path);
        return [name, await ort.InferenceSession.create(path)] as const;
      }),
    );
    return Object.fromEntries(entries);
  })();
  return sessions;
}

/**
 * An EntryContext without the host: `infer` runs plain onnxruntime sessions, the cache is a Map. The
 * pipeline runs exactly as the host calls it, minus per-row caching and batching. `overrides` replace
 * config.json fields; each distinct set is its own "version" (the script keeps state per version).
 */
export async function ortContext(overrides: Record<string, unknown> = {}): Promise<OrtContext> {
  const byName = await ortSessions();
  const described: Record<string, EntrySession> = Object.fromEntries(
    Object.entries(byName).map(([name, s]) => [
      name,
      {
        name,
        batched: true,
        inputs: s.inputNames.map((n) => ({ name: n, datatype: 'FP32' as const, dims: [] })),
        outputs: s.outputNames.map((n) => ({ name: n, datatype: 'FP32' as const, dims: [] })),
      },
    ]),
  );
  const kv = new Map<string, unknown>();
  const inferCalls: OrtContext['inferCalls'] = [];
  const cacheKeys: string[] = [];
  const version = Object.keys(overrides).length === 0 ? '1' : `1+${JSON.stringify(overrides)}`;
  return {
    model: {
      name: 'ocr',
      version,
      dir: OCR_DIR,
      versionDir: join(OCR_DIR, version),
      config: { ...CONFIG, ...overrides },
    },
    sessions: described,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    inferCalls,
    cacheKeys,
    reset() {
      kv.clear();
      inferCalls.length = 0;
      cacheKeys.length = 0;
    },
    async infer(name: string, inputs: Record<string, Tensor>) {
      const feeds = Object.fromEntries(
        Object.entries(inputs).map(([k, t]) => [
          k,
          new ort.Tensor('float32', t.data as Float32Array, t.shape),
        ]),
      );
      inferCalls.push({ session: name, shape: Object.values(inputs)[0].shape });
      const out = await byName[name].run(feeds);
      return Object.fromEntries(
        Object.entries(out).map(([k, t]): [string, Tensor] => [
          k,
          { name: k, datatype: 'FP32', shape: [...t.dims], data: t.data as Float32Array },
        ]),
      );
    },
    cache: {
      async get<T>(key: string) {
        cacheKeys.push(key);
        return kv.get(key) as T | undefined;
      },
      async set(key: string, value: unknown) {
        kv.set(key, value);
      },
    },
  };
}

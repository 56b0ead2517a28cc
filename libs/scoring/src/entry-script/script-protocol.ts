import { movable } from '../pool/ownership.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RequestParts } from './aml-request.js';
import type { EntryCall, EntrySession } from './types.js';

// Messages between the host and a thread that runs a model's entry script. The script's own work
// (decoding, geometry, post-processing) happens in the thread; its infer and cache calls come back to the
// host, which owns the cache connection, single flight, batching and the inference pool.

/** What a script thread is started with. */
export interface ScriptThreadData {
  scriptPath: string;
  model: { name: string; version: string; dir: string; versionDir: string; config: Record<string, unknown> };
  sessions: Record<string, EntrySession>;
}

/** A failure, as it crosses threads: a ScoringError's code survives, so its status does too. */
export interface WireError {
  message: string;
  code?: string;
}

/** `run` 0 is the script's init; `call` says which of the script's functions a request goes to (`run`). */
export type ToScript =
  | { op: 'run'; run: number; request: RequestParts; call?: EntryCall }
  | { op: 'reply'; call: number; ok: true; value?: unknown }
  | { op: 'reply'; call: number; ok: false; error: WireError };

export type ScriptCall =
  | { kind: 'infer'; session: string; inputs: Record<string, Tensor> }
  | { kind: 'cache-get'; key: string }
  | { kind: 'cache-set'; key: string; value: unknown };

export type FromScript =
  | { op: 'call'; run: number; call: number; request: ScriptCall }
  | {
      op: 'done';
      run: number;
      ok: true;
      value: unknown;
      response?: { status: number; headers: Record<string, string> };
    }
  | { op: 'done'; run: number; ok: false; error: WireError };

export function toWire(e: unknown): WireError {
  const code = (e as { code?: unknown } | null)?.code;
  return {
    message: e instanceof Error ? e.message : String(e),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function fromWire(w: WireError): Error {
  return Object.assign(new Error(w.message), w.code ? { code: w.code } : {});
}

/** Tensors by name as they may be moved (see pool/ownership.ts). */
export function movableTensors(tensors: Record<string, Tensor>): {
  tensors: Record<string, Tensor>;
  transfer: ArrayBuffer[];
} {
  const names = Object.keys(tensors);
  const moved = movable(names.map((n) => tensors[n]));
  return {
    tensors: Object.fromEntries(names.map((n, i) => [n, moved.tensors[i]])),
    transfer: moved.transfer,
  };
}

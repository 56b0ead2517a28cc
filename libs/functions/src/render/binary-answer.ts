import { ScoringError, tensorToBinary } from '@modelfn/scoring';
import type { ScoreResult } from '../adapter/score-result.js';

export const OCTET_STREAM = 'application/octet-stream';

/** An HTTP answer whose body is bytes (`HttpResponseInit` with `body`). */
export interface BinaryHttpAnswer {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * True when an `Accept` header asks for raw bytes rather than JSON: it names application/octet-stream and
 * prefers nothing JSON-like (a browser's or curl's `*\/*` keeps the JSON answer).
 */
export function acceptsOctetStream(accept: string | null | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  return types.includes(OCTET_STREAM) && !types.some((t) => t === 'application/json' || t.endsWith('+json'));
}

/**
 * Refuses raw bytes for more than one output before the model runs: a raw body holds one tensor, and the
 * headers name one.
 */
export function checkOneOutput(model: string, outputs: readonly string[]): void {
  if (outputs.length === 1) return;
  throw new ScoringError(
    'NOT_ACCEPTABLE',
    `Accept: ${OCTET_STREAM} answers one output's raw bytes; model "${model}" would answer ${outputs.length} (${outputs.map((o) => `"${o}"`).join(', ')}): select one with ?outputs=<name>, or accept application/json`,
  );
}

/**
 * `POST /score` with `Accept: application/octet-stream`: the one selected output's elements, little-endian,
 * row after row (BYTES: each string as a 4-byte little-endian length and its UTF-8 bytes, as the v2 binary
 * extension lays them out), with `x-output-name`, `x-output-datatype` (v2 names: FP32, INT64, ...) and
 * `x-output-shape` (comma-separated, batch dimension first when the model has one).
 */
export function binaryAnswer(result: ScoreResult): BinaryHttpAnswer {
  if ('entry' in result)
    throw new ScoringError(
      'NOT_ACCEPTABLE',
      `model "${result.entry.model.name}" answers through its entry script, which chooses its own content type: accept application/json`,
    );
  const { outputs } = result;
  checkOneOutput(
    outputs.model.name,
    outputs.outputs.map((t) => t.name),
  );
  const t = outputs.outputs[0];
  return {
    status: 200,
    body: tensorToBinary(t),
    headers: {
      'content-type': OCTET_STREAM,
      // Header values are Latin-1: a name outside printable ASCII is sent percent-encoded.
      'x-output-name': /^[\x20-\x7e]*$/.test(t.name) ? t.name : encodeURIComponent(t.name),
      'x-output-datatype': t.datatype,
      'x-output-shape': t.shape.join(','),
      'x-model': `${outputs.model.name}:${outputs.model.version}`,
    },
  };
}

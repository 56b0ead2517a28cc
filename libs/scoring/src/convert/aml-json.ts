import { ScoringError } from '../errors.js';
import { checkRowCount, type InputLimits, type RowBatch } from './row-batch.js';

/** An Azure ML style request: rows inline, or (the Azure doc's other use) the name of a Redis key holding them. */
export type AmlInput = { kind: 'rows'; batch: RowBatch } | { kind: 'data_key'; key: string };

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ScoringError('INVALID_JSON', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return 'null';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 20))}` : `a ${typeof v}`;
}

/**
 * Rows as JSON: `[[f, ...], ...]`, or one row `[f, ...]`. Nested lists of the wrong depth, rows of the wrong
 * length and non-numbers are refused with the row and position, so the caller can find the bad value.
 */
export function rowsFromJson(data: unknown, features: number, limits: InputLimits): RowBatch {
  if (!Array.isArray(data)) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `"data" must be a list of rows, each a list of ${features} numbers; got ${describe(data)}`,
    );
  }
  const rows: unknown[] = data.length > 0 && !Array.isArray(data[0]) ? [data] : data;
  checkRowCount(rows.length, limits);
  const out = new Float32Array(rows.length * features);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) || row.length !== features) {
      throw new ScoringError(
        'INVALID_SHAPE',
        `row ${r} must be a list of ${features} numbers; got ${describe(row)}`,
      );
    }
    const base = r * features;
    for (let i = 0; i < features; i++) {
      const v = row[i];
      if (typeof v !== 'number') {
        throw new ScoringError(
          'INVALID_DATATYPE',
          `row ${r} value ${i} is ${describe(v)}; expected a number`,
        );
      }
      out[base + i] = v;
    }
  }
  return { data: out, rows: rows.length, features };
}

/** `{"data": [[...]]}` or `{"data_key": "redis key"}`. */
export function parseAmlJson(body: unknown, features: number, limits: InputLimits): AmlInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ScoringError(
      'INVALID_INPUT',
      'the body must be a JSON object: {"data": [[...], ...]} or {"data_key": "..."}',
    );
  }
  const o = body as Record<string, unknown>;
  if (typeof o.data_key === 'string' && o.data === undefined) {
    if (o.data_key.length === 0 || o.data_key.length > 1024) {
      throw new ScoringError('INVALID_INPUT', '"data_key" must be a Redis key of 1 to 1024 characters');
    }
    return { kind: 'data_key', key: o.data_key };
  }
  if (o.data === undefined) {
    throw new ScoringError(
      'INVALID_INPUT',
      'the body needs "data" (a list of rows) or "data_key" (a Redis key)',
    );
  }
  return { kind: 'rows', batch: rowsFromJson(o.data, features, limits) };
}

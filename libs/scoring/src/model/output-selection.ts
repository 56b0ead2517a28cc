import { ScoringError } from '../errors.js';
import type { ModelVersion } from './model-version.js';

/**
 * The outputs a request asked for, as positions in the model's served outputs (config order, ascending).
 * `undefined` everywhere means no selection: every served output, a classifier's label, and the cache keys
 * and values it always had.
 */
export type OutputSelection = readonly number[];

/**
 * The selection a request's output names make: refused (INVALID_INPUT, naming the model's outputs) when a
 * name is not one of them; undefined when none is given. A selection of every output is answered by name
 * but fetched and cached as no selection (see fetchedSelection).
 */
export function selectOutputs(
  model: ModelVersion,
  names: readonly string[] | undefined,
): OutputSelection | undefined {
  if (names === undefined || names.length === 0) return undefined;
  const picked = new Set<number>();
  for (const name of names) {
    const at = model.outputs.findIndex((o) => o.name === name);
    if (at < 0) {
      throw new ScoringError(
        'INVALID_INPUT',
        `model "${model.name}" has no output "${name}"; its outputs are ${model.outputs.map((o) => `"${o.name}"`).join(', ')} (select some with ?outputs=a,b, blob metadata or the message property "outputs")`,
      );
    }
    picked.add(at);
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * What a selection changes in the run and the cache: the outputs fetched and keyed, or undefined when it is
 * every output (one cache entry for both ways of asking for them).
 */
export function fetchedSelection(
  model: ModelVersion,
  selected: OutputSelection | undefined,
): OutputSelection | undefined {
  return selected && selected.length < model.outputs.length ? selected : undefined;
}

/** The names onnxruntime is asked to fetch for a selection (undefined: the session's own list). */
export function fetchNames(model: ModelVersion, selected: OutputSelection | undefined): string[] | undefined {
  return fetchedSelection(model, selected)?.map((k) => model.outputs[k].name);
}

/** Output names as sent in a query string, blob metadata or a message property: "a,b" or a list. */
export function outputNamesOf(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list || list.some((n) => typeof n !== 'string'))
    throw new ScoringError(
      'INVALID_INPUT',
      '"outputs" must be output names separated by commas ("mask,edges") or a list of names',
    );
  const names = (list as string[]).map((n) => n.trim()).filter((n) => n.length > 0);
  return names.length > 0 ? names : undefined;
}

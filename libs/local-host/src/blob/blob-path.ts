import { randomUUID } from 'node:crypto';
import { BlobSourceError } from './blob-source-error.js';

/** A trigger path such as `images/{name}` or `in/{name}.{ext}`: a literal container, then a blob name pattern. */
export interface BlobPathPattern {
  path: string;
  container: string;
  /** The literal start of blob names that can match: the listing prefix. */
  prefix: string;
  params: string[];
  regex: RegExp;
}

const PARAM = /\{([^{}]+)\}/g;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function split(path: string): { container: string; blob: string } {
  const slash = path.indexOf('/');
  const container = slash < 0 ? path : path.slice(0, slash);
  const blob = slash < 0 ? '' : path.slice(slash + 1);
  if (container === '' || container.includes('{') || blob === '') {
    throw new BlobSourceError(
      'INVALID_BLOB_PATH',
      `blob path "${path}" must be "<container>/<blob name pattern>" with a literal container, e.g. "images/{name}"`,
    );
  }
  return { container, blob };
}

export function parseTriggerPath(path: string): BlobPathPattern {
  const { container, blob } = split(path);
  const params: string[] = [];
  let source = '^';
  let last = 0;
  for (const m of blob.matchAll(PARAM)) {
    source += escape(blob.slice(last, m.index));
    // Greedy and across "/", as the Functions host binds {name} to the whole name including virtual folders.
    source += '([^]+)';
    params.push(m[1]);
    last = m.index + m[0].length;
  }
  source += escape(blob.slice(last)) + '$';
  const firstParam = blob.search(PARAM);
  return {
    path,
    container,
    prefix: firstParam < 0 ? blob : blob.slice(0, firstParam),
    params,
    regex: new RegExp(source),
  };
}

/** The binding data a blob name gives (`{name: "7.png"}`), or undefined when it does not match. */
export function matchBlobName(
  pattern: BlobPathPattern,
  blobName: string,
): Record<string, string> | undefined {
  const m = pattern.regex.exec(blobName);
  if (!m) return undefined;
  const bindings: Record<string, string> = {};
  pattern.params.forEach((p, i) => {
    bindings[p] = m[i + 1];
  });
  return bindings;
}

/** Fills an output path (`predictions/{name}.json`) from the trigger's binding data. */
export function resolveBlobPath(
  path: string,
  bindings: Record<string, string>,
): { container: string; blobName: string } {
  const resolved = path.replace(PARAM, (_, name: string) => {
    if (Object.hasOwn(bindings, name)) return bindings[name];
    if (name === 'rand-guid') return randomUUID();
    if (name === 'DateTime') return new Date().toISOString();
    throw new BlobSourceError(
      'UNRESOLVED_BINDING_PARAMETER',
      `output path "${path}" uses {${name}}, which the trigger path does not bind (have: ${Object.keys(bindings).join(', ') || 'none'})`,
    );
  });
  const { container, blob } = split(resolved);
  return { container, blobName: blob };
}

import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** `import ... from "./x.js"` and `import "./x.js"` at the top of a bundle file (not `import()`). */
const STATIC_IMPORT = /^import\s+(?:[^'"]*?\s+from\s+)?["'](\.{1,2}\/[^"']+)["'];?$/gm;

/**
 * The files of a bundle that Node reads when it imports `entry`: the entry and, transitively, the files it
 * imports statically. Files reached only through `import()` are not in it.
 */
export function staticClosure(dir: string, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(STATIC_IMPORT)) visit(normalize(join(dirname(file), m[1])));
  };
  visit(entry);
  return [...seen];
}

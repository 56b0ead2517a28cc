import { basename } from 'node:path';

/**
 * Defined in every bundle file (the banner): what `import()` of a CommonJS package gives unbundled, its
 * exports by name and `default` the exports object, from a split chunk's `{ default: exports }`.
 */
export const CJS_NAMESPACE_HELPER =
  'const __modelfnCjsNamespace = ({ default: e }) => ((e !== null && typeof e === "object") || typeof e === "function" ? { ...e, default: e } : { default: e });';

/** A chunk esbuild made of a CommonJS module: its only export is the module's exports object. */
const CJS_CHUNK = /^export default require_[\w$]+\(\);$/m;
const OTHER_EXPORT = /^export (?!default require_[\w$]+\(\);$)/m;

export interface BundleFile {
  path: string;
  text: string;
}

/**
 * With splitting, esbuild turns `import('a-commonjs-package')` into `import("./chunk.js")`, whose namespace
 * holds the package's exports under `default` only (evanw/esbuild#3245): `const { X } = await import(...)`
 * gets undefined, where unbundled Node, and esbuild without splitting, give the named exports. Each such
 * call site is made to go through CJS_NAMESPACE_HELPER, so the code behaves as it does unbundled.
 */
export function namedCjsImports(files: BundleFile[]): BundleFile[] {
  const cjs = files
    .filter((f) => f.path.endsWith('.js') && CJS_CHUNK.test(f.text) && !OTHER_EXPORT.test(f.text))
    .map((f) => basename(f.path));
  if (cjs.length === 0) return files;
  const site = new RegExp(`import\\("\\./(${cjs.map((n) => n.replace(/[.$]/g, '\\$&')).join('|')})"\\)`, 'g');
  return files.map((f) =>
    f.path.endsWith('.js')
      ? { ...f, text: f.text.replace(site, (call) => `${call}.then(__modelfnCjsNamespace)`) }
      : f,
  );
}

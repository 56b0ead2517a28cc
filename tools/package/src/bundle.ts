import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { CJS_NAMESPACE_HELPER, namedCjsImports } from './cjs-chunks.js';
import type { PackageEntry } from './entries.js';
import { PROVIDED_BY_HOST, SHIPPED } from './shipped.js';

/**
 * Runs first in every bundle. Bundled CommonJS packages call `require` (for Node's own modules): an ES module
 * has none, so one is made. MODEL_REPOSITORY defaults to the package's own `models/` folder, found from the
 * bundle's location rather than the working directory, which the Functions host does not promise.
 */
const BANNER = [
  "import { createRequire as __modelfnCreateRequire } from 'node:module';",
  "import { fileURLToPath as __modelfnFileURLToPath } from 'node:url';",
  'const require = __modelfnCreateRequire(import.meta.url);',
  "process.env.MODEL_REPOSITORY ||= __modelfnFileURLToPath(new URL('../models', import.meta.url));",
  CJS_NAMESPACE_HELPER,
].join('\n');

/**
 * Bundles each script the app's build wrote to `dist/` (its `main.js`, and any script it starts as a worker
 * thread) together with the npm packages it imports, except those shipped as files (SHIPPED) and the module
 * the Functions worker provides. Our own libraries are already bundled by the app build. Source maps carry
 * no sources, to keep the package small.
 *
 * A package the app imports only with `import()` goes into a chunk of its own, read when that import runs:
 * as one file, Node compiled all 12 MB of it (the OpenTelemetry and Azure Monitor SDKs, MSAL, gRPC) before
 * the app's first line, whether or not a setting asked for telemetry — most of a cold start (issue 28).
 */
export async function bundleApp(appDir: string): Promise<PackageEntry[]> {
  const dist = join(appDir, 'dist');
  const scripts = readdirSync(dist).filter((f) => f.endsWith('.js'));
  if (!scripts.includes('main.js')) throw new Error(`${dist}/main.js is missing: run npm run build`);
  const result = await build({
    entryPoints: Object.fromEntries(scripts.map((f) => [basename(f, '.js'), join(dist, f)])),
    outdir: join(appDir, 'package-dist'),
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Chunks sit beside main.js: the banner, which each of them carries, finds models/ from there too.
    splitting: true,
    target: 'node22',
    external: [...Object.keys(SHIPPED), ...PROVIDED_BY_HOST],
    banner: { js: BANNER },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  // The call sites rewritten keep their line, so the source maps still point at the right lines.
  const files = namedCjsImports(result.outputFiles.map((f) => ({ path: f.path, text: f.text })));
  return files.map((f) => ({ path: `dist/${basename(f.path)}`, data: Buffer.from(f.text) }));
}

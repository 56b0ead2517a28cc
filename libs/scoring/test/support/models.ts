import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The committed model repository. */
export const MODELS = resolve(import.meta.dirname, '../../../../models');

/** A scratch model repository seeded with a copy of mnist; removed by the returned cleanup. */
export function scratchRepository(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'modelfn-repo-'));
  cpSync(join(MODELS, 'mnist'), join(root, 'mnist'), { recursive: true });
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function writeModel(
  root: string,
  name: string,
  config: object,
  files: Record<string, Buffer | string>,
): void {
  mkdirSync(join(root, name), { recursive: true });
  writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, name, path, '..'), { recursive: true });
    writeFileSync(join(root, name, path), content);
  }
}

import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../../../..');

/** Azure runs the packages on Node 22 (Flex Consumption's default; Node 20 is out of support). */
export const NODE_MAJOR = 22;

export const majorOf = (version: string): number => Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);

let found: Promise<string> | undefined;

/**
 * A `node` of at least NODE_MAJOR to run the packages with: this process's own when it is one (CI puts
 * Node 22 first on PATH), else the one tools/node22.sh prints, which fetches the `node-<platform>-<arch>`
 * npm package into a cache the first time (nothing else is downloaded). `current` is for tests.
 */
export function node22(current: { version: string; execPath: string } = process): Promise<string> {
  if (majorOf(current.version) >= NODE_MAJOR) return Promise.resolve(current.execPath);
  found ??= promisify(execFile)('sh', [join(ROOT, 'tools', 'node22.sh')], {
    cwd: ROOT,
    timeout: 300_000,
  }).then(
    ({ stdout }) => join(stdout.trim(), 'node'),
    (e: unknown) => {
      // A failed fetch (registry unreachable) is not remembered: the next package test tries again.
      found = undefined;
      throw e;
    },
  );
  return found;
}

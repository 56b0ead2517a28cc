import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Binding {
  type: string;
  direction: string;
  [key: string]: unknown;
}

export interface Loaded {
  programmingModel?: string;
  functions: { name: string; bindings: Record<string, Binding> }[];
  /** The hook types registered (`preInvocation`, `postInvocation`, ...), in order. */
  hooks: string[];
  result: unknown;
}

const SUPPORT = import.meta.dirname;

/**
 * Loads an unpacked package (or an app folder, whose package.json `main` is its built `dist/main.js`) in a
 * plain Node process, as the Functions worker would: a working directory of its own (not the package's),
 * none of this workspace's settings, and a probe run against what it registered (test/support/probes: the
 * app's own by default; `registration` runs nothing).
 */
export async function loadPackage(
  app: string,
  dir: string,
  env: Record<string, string>,
  probe = app,
): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(SUPPORT, 'load-package.mjs'), dir, join(SUPPORT, 'probes', `${probe}.mjs`)],
    {
      cwd: mkdtempSync(join(tmpdir(), 'modelfn-cwd-')),
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Loaded;
}

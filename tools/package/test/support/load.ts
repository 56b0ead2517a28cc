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
  result: unknown;
}

const SUPPORT = import.meta.dirname;

/**
 * Loads an unpacked package in a plain Node process, as the Functions worker would: a working directory
 * of its own (not the package's), none of this workspace's settings, and the app's probe run against what it
 * registered (test/support/probes).
 */
export async function loadPackage(app: string, dir: string, env: Record<string, string>): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(SUPPORT, 'load-package.mjs'), dir, join(SUPPORT, 'probes', `${app}.mjs`)],
    {
      cwd: mkdtempSync(join(tmpdir(), 'modelfn-cwd-')),
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Loaded;
}

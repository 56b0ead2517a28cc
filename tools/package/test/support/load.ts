import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { node22 } from './node22.js';

export interface Binding {
  type: string;
  direction: string;
  [key: string]: unknown;
}

export interface Loaded {
  /** `process.version` of the process that loaded the package. */
  node: string;
  programmingModel?: string;
  functions: { name: string; bindings: Record<string, Binding> }[];
  /** The hook types registered (`preInvocation`, `postInvocation`, ...), in order. */
  hooks: string[];
  result: unknown;
}

export interface LoadOptions {
  /**
   * The process's working directory. Default: a fresh temporary folder, because the Functions host promises
   * none in Azure; `func start` runs the worker in the app folder.
   */
  cwd?: string;
}

const SUPPORT = import.meta.dirname;

/**
 * Loads an unpacked package (or an app folder, whose package.json `main` is its built `dist/main.js`) in a
 * plain Node 22 process, as the Functions worker on Azure would: none of this workspace's settings, and a
 * probe run against what it registered (test/support/probes: the app's own by default; `registration` runs
 * nothing).
 */
export async function loadPackage(
  app: string,
  dir: string,
  env: Record<string, string>,
  probe = app,
  opts: LoadOptions = {},
): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(
    await node22(),
    [join(SUPPORT, 'load-package.mjs'), dir, join(SUPPORT, 'probes', `${probe}.mjs`)],
    {
      cwd: opts.cwd ?? mkdtempSync(join(tmpdir(), 'modelfn-cwd-')),
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  // The app's own log lines (pino, to stdout) may come after the stand-in's: its line is the one that opens
  // with the Node version.
  const line = stdout.split('\n').findLast((l) => l.startsWith('{"node":'));
  if (!line) throw new Error(`${app} printed no registrations:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as Loaded;
}

import { spawnSync } from 'node:child_process';
import { autocannonDriver } from './autocannon.js';
import type { LoadDriver, LoadDriverName } from './types.js';
import { wrkDriver } from './wrk.js';

export function wrkInstalled(): boolean {
  const r = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  // wrk --version exits 1 after printing; only "not found" is an error here.
  return r.error === undefined;
}

/** wrk when installed (or asked for), autocannon otherwise. */
export function pickDriver(wanted: LoadDriverName | undefined, tmpDir: string, repoRoot: string): LoadDriver {
  if (wanted === 'autocannon') return autocannonDriver(tmpDir, repoRoot);
  if (wanted === 'wrk' || wrkInstalled()) {
    if (!wrkInstalled()) throw new Error('--load wrk: wrk is not installed (apt-get install -y wrk)');
    return wrkDriver(tmpDir);
  }
  return autocannonDriver(tmpDir, repoRoot);
}

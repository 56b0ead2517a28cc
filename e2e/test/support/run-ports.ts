import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// redis-server rewrites its process title over its environment, so the suite's mark cannot be read back from
// it; the ports the suite handed out can (its title is `redis-server 127.0.0.1:<port>`).

function file(run: string): string {
  return join(tmpdir(), `modelfn-test-run-${run}.ports`);
}

/** Notes ports handed to this run's systems (no-op outside the e2e config, which sets MODELFN_TEST_RUN). */
export function recordPorts(ports: number[]): void {
  const run = process.env.MODELFN_TEST_RUN;
  if (run) appendFileSync(file(run), ports.map((p) => `${p}\n`).join(''));
}

/** The ports recorded for `run`, and the record removed. */
export function takeRecordedPorts(run: string): Set<number> {
  try {
    return new Set(readFileSync(file(run), 'utf8').split('\n').filter(Boolean).map(Number));
  } catch {
    return new Set();
  } finally {
    rmSync(file(run), { force: true });
  }
}

// Vitest globalSetup for the e2e suite: every process the suite starts (hosts, HTTP workers, Azurite) carries
// MODELFN_TEST_RUN in its environment, and every redis-server listens on a port the suite handed out (see
// run-ports.ts); when the suite ends, pass or fail, none may be left.
// A green run once left a redis-server running with its parent gone (a host SIGKILLed alone); this turns
// such a leak into a failed run that names the process, and kills it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processes, type ProcInfo } from './processes.js';
import { takeRecordedPorts } from './run-ports.js';

const MARK = 'MODELFN_TEST_RUN';
/** Azurite saves its data after its host has gone; this bounds how long that may take, it does not time it. */
const SETTLE_MS = 30_000;

function startedBy(run: string, ports: Set<number>): ProcInfo[] {
  return processes().filter((p) => {
    if (p.pid === process.pid) return false;
    const redisPort = /^redis-server \S*:(\d+)/.exec(p.cmdline)?.[1];
    if (redisPort !== undefined) return ports.has(Number(redisPort));
    try {
      return readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(`${MARK}=${run}`);
    } catch {
      return false;
    }
  });
}

/** What a suite may leave behind by mistake; vitest's own workers also carry the mark and end on their own. */
const SIDECAR = /redis-server|azurite|apps\/local\/src\/main\.ts|servicebus-emulator/;

export default function setup(): () => Promise<void> {
  // Set by e2e/vitest.config.ts (so the workers inherit it); a run without that config gets its own.
  const run = (process.env[MARK] ??= randomUUID());
  return async () => {
    const ports = takeRecordedPorts(run);
    const deadline = Date.now() + SETTLE_MS;
    let left = startedBy(run, ports).filter((p) => SIDECAR.test(p.cmdline));
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(200);
      left = startedBy(run, ports).filter((p) => SIDECAR.test(p.cmdline));
    }
    if (left.length === 0) return;
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    // Vitest reports an error thrown here but still exits 0: the exit code is set too.
    process.exitCode = 1;
    throw new Error(
      `LEFTOVER_PROCESSES: the e2e suite left ${left.length} process(es) running (now killed); a test or its ` +
        `teardown did not stop what it started:\n${left.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.cmdline}`).join('\n')}`,
    );
  };
}

import { spawn } from 'node:child_process';
import { findFreePort, killOnExit, OutputTail, stopChild } from '@modelfn/dev-processes';
import type { ChildServer } from './child-server.js';

/** The banner's last line: every service, model and worker is up. */
const READY = 'Ctrl-C stops everything';

/**
 * The whole local system exactly as a user's `npm start` starts it (apps/local: its own redis-server,
 * Azurite, the Service Bus emulator, the three apps, its default worker and thread counts), on free ports.
 * Measured rows on it are what users get, not only what the bench's HTTP-only harness gets.
 */
export async function startNpmStart(
  repoRoot: string,
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const ports: number[] = [];
  while (ports.length < 6) {
    const p = await findFreePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [http, redis, servicebus, blob, queue, table] = ports;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/local/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(http),
      REDIS_PORT: String(redis),
      SERVICEBUS_PORT: String(servicebus),
      AZURITE_BLOB_PORT: String(blob),
      AZURITE_QUEUE_PORT: String(queue),
      AZURITE_TABLE_PORT: String(table),
      REDIS_URL: '',
      AzureWebJobsStorage: '',
      ServiceBusConnection: '',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it reaches redis-server and every worker too.
    detached: true,
  });
  killOnExit(child);
  const tail = new OutputTail(40);
  child.stderr!.on('data', (c: Buffer) => tail.push(c));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`npm start was not ready in 90 s:\n${tail.text()}`)),
      90_000,
    );
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      tail.push(c);
      if (out.includes(READY)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was ready:\n${tail.text()}`));
    });
  });
  const url = `http://127.0.0.1:${http}`;
  return {
    url,
    pid: child.pid!,
    pids: [child.pid!],
    metricsUrl: `${url}/metrics`,
    startMs: performance.now() - started,
    // Ctrl-C, as a user stops it.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGINT');
        setTimeout(() => void stopChild(child, 1_000), 15_000).unref();
      }),
  };
}

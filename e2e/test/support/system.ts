import { findFreePort } from '@modelfn/dev-processes';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** Every port `npm start` listens on, all free ones, so the suite runs beside anything else. */
export interface Ports {
  http: number;
  redis: number;
  servicebus: number;
  blob: number;
  queue: number;
  table: number;
}

export interface System {
  ports: Ports;
  url: string;
  storage: string;
  servicebus: string;
  redisUrl: string;
  child: ChildProcess;
  output: () => string;
  /** Peak resident memory of the host process so far, in bytes (VmHWM). */
  peakRss: () => number;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export async function freePorts(): Promise<Ports> {
  const ports: number[] = [];
  while (ports.length < 6) {
    const p = await findFreePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [http, redis, servicebus, blob, queue, table] = ports;
  return { http, redis, servicebus, blob, queue, table };
}

export interface SystemOptions {
  /** Lead a process group of its own, as `npm start` does in a terminal, so a test can SIGKILL the group. */
  detached?: boolean;
}

/** Starts the whole system exactly as `npm start` does (same entry point), on the given ports. */
/**
 * Removes a system's scratch folder. Azurite outlives a killed host on purpose (it saves its data when its
 * host dies), so it may still be writing there when the host exits: retried for a while, then left to the
 * OS temp cleaner rather than failing a test over a leftover folder.
 */
function removeScratch(dir: string, attempts = 20): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    if (attempts > 0) setTimeout(() => removeScratch(dir, attempts - 1), 250).unref();
  }
}

export async function startSystem(
  ports?: Ports,
  env: Record<string, string> = {},
  options: SystemOptions = {},
): Promise<System> {
  const p = ports ?? (await freePorts());
  // Azurite's and the emulator's data, which `npm start` keeps under the OS temp dir, go to a folder removed
  // when this system stops, unless the test names them (to restart on the same data).
  const scratch =
    env.AZURITE_LOCATION === undefined || env.SERVICEBUS_DATA_DIR === undefined
      ? mkdtempSync(join(tmpdir(), 'modelfn-system-'))
      : undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/local/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(p.http),
      REDIS_PORT: String(p.redis),
      SERVICEBUS_PORT: String(p.servicebus),
      AZURITE_BLOB_PORT: String(p.blob),
      AZURITE_QUEUE_PORT: String(p.queue),
      AZURITE_TABLE_PORT: String(p.table),
      REDIS_URL: '',
      AzureWebJobsStorage: '',
      ServiceBusConnection: '',
      LOG_LEVEL: 'warn',
      BLOB_POLL_INTERVAL_MS: '100',
      ...(scratch && {
        AZURITE_LOCATION: join(scratch, 'azurite'),
        SERVICEBUS_DATA_DIR: join(scratch, 'servicebus'),
      }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  if (scratch) child.once('exit', () => removeScratch(scratch));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the system did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (out.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the system exited with ${code} while starting:\n${out}`));
    });
  });
  const account = 'devstoreaccount1';
  return {
    ports: p,
    url: `http://127.0.0.1:${p.http}`,
    storage:
      `DefaultEndpointsProtocol=http;AccountName=${account};` +
      'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
      `BlobEndpoint=http://127.0.0.1:${p.blob}/${account};QueueEndpoint=http://127.0.0.1:${p.queue}/${account};`,
    servicebus: `Endpoint=sb://127.0.0.1:${p.servicebus};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
    redisUrl: `redis://127.0.0.1:${p.redis}`,
    child,
    output: () => out,
    peakRss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    stop: (signal = 'SIGTERM') =>
      new Promise((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok(child.exitCode);
        child.once('exit', (code) => ok(code));
        child.kill(signal);
      }),
  };
}

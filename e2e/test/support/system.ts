import { findFreePort } from '@modelfn/dev-processes';
import { alive, descendants, isHostProcess } from './processes.js';
import { recordPorts } from './run-ports.js';
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
  recordPorts(ports);
  const [http, redis, servicebus, blob, queue, table] = ports;
  return { http, redis, servicebus, blob, queue, table };
}

export interface SystemOptions {
  /**
   * Lead a process group of its own, as `npm start` does in a terminal. Default true: `stop('SIGKILL')` then
   * kills the group, the host's redis-server with it, which a SIGKILL of the host alone leaves running.
   */
  detached?: boolean;
  /** Run `npm start` itself (npm, its `sh -c`, then the host) rather than the entry it runs. */
  npm?: boolean;
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
  const detached = options.detached ?? true;
  // npm from PATH, as a developer types it (run it with tools/node22.sh's Node first on PATH).
  const [command, args] = options.npm
    ? ['npm', ['start', '--silent']]
    : [process.execPath, ['--import', 'tsx', 'apps/local/src/main.ts']];
  const child = spawn(command, args, {
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
      // Only mnist unless a test asks for more (MODELS) or brings its own repository: loading OCR costs each
      // start about 10 s of CPU (22 s against 11 s to the banner), which most suites never use.
      ...(env.MODEL_REPOSITORY === undefined && { MODELS: 'mnist' }),
      ...(scratch && {
        AZURITE_LOCATION: join(scratch, 'azurite'),
        SERVICEBUS_DATA_DIR: join(scratch, 'servicebus'),
      }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  // Whatever happens to the test, nothing it started outlives it: the group (host, workers, redis-server)
  // is killed when the test process exits; Azurite follows its host (see start-azurite.ts).
  const killGroup = () => {
    try {
      if (detached) process.kill(-child.pid!, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  child.once('exit', () => process.off('exit', killGroup));
  // Under npm the host is a grandchild that outlives npm while it stops (npm exits as soon as its `sh -c`
  // does): its folder goes once the host is gone too, not from under an Azurite still saving into it.
  const host: { pid?: number } = {};
  if (scratch)
    child.once('exit', () => {
      const pid = host.pid;
      if (pid === undefined || pid === child.pid) return removeScratch(scratch);
      const wait = setInterval(() => {
        if (alive(pid)) return;
        clearInterval(wait);
        removeScratch(scratch);
      }, 100);
      wait.unref();
    });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => {
      // A bound for a hung start, not a measure: on the shared 2-core machine a start with two workers took
      // 32 s while other suites ran. A host that did not come up is not left running (with the redis-server it may have started).
      killGroup();
      fail(new Error(`the system did not start in 120 s:\n${out}`));
    }, 120_000);
    const check = () => {
      if (out.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout!.on('data', check);
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the system exited with ${code} while starting:\n${out}`));
    });
  });
  host.pid = options.npm ? descendants(child.pid!).find(isHostProcess)?.pid : child.pid;
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
        // A SIGKILL takes the whole group (as a crash of the machine's session would): killing the host
        // alone leaves its redis-server running with no parent, past the end of the suite.
        if (signal === 'SIGKILL') killGroup();
        else child.kill(signal);
      }),
  };
}

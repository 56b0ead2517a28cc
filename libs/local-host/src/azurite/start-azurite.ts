import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isAlive, readPidFile, writePidFile } from '@modelfn/dev-processes';
import { portSetting, textSetting } from '@modelfn/settings';
import type { RunningSource } from '../running-source.js';
import { AzuriteError } from './azurite-error.js';
import {
  DEFAULT_BLOB_PORT,
  DEFAULT_QUEUE_PORT,
  DEFAULT_TABLE_PORT,
  DEV_ACCOUNT_NAME,
  devConnectionString,
} from './dev-account.js';

export interface AzuriteOptions {
  /** Listening address of all services. Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. Defaults: env AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT, else 10000 / 10001 / 10002. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /**
   * Where Azurite keeps its data (kept across restarts). Default env AZURITE_LOCATION; without either (or with
   * `memory`), data lives in memory only: faster than disk (Azurite is the slowest hop of a blob trigger) and
   * gone on stop.
   */
  location?: string;
  /** Default 30 s: a cold `node_modules` on a slow disk takes a few seconds to load. */
  startTimeoutMs?: number;
  /** Receives Azurite's console output, line by line (access logs are off). */
  onLog?: (line: string) => void;
}

/** Also a RunningSource, so the composition root can list and close it with the other services. */
export interface RunningAzurite extends RunningSource {
  /** For AzureWebJobsStorage and the storage SDKs: account, key and the blob/queue/table endpoints. */
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** The data directory, or undefined when in memory. */
  location: string | undefined;
  pid: number;
  /** Shuts Azurite down gracefully (data flushed to `location`). Idempotent; `close()` is the same. */
  stop(): Promise<void>;
}

type Service = 'Blob' | 'Queue' | 'Table';
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/;
const CLOSED = /Azurite (Blob|Queue|Table) service successfully closed/;
const SERVICES: Service[] = ['Blob', 'Queue', 'Table'];

/**
 * Ends the child when its parent goes away (crash, SIGKILL, test runner teardown): without it, a killed
 * `npm start` or test worker would leave Azurite holding ports 10000-10002. Unless the parent asked for the
 * shutdown itself, the child goes through Azurite's own graceful shutdown (SIGTERM), which saves the metadata
 * Azurite otherwise writes only every 5 s, so blobs acknowledged just before a host crash are kept (the event is
 * emitted rather than sent, which also works on Windows, where a sent SIGTERM kills at once). Output to
 * the parent's pipes, now closed, is dropped rather than allowed to crash that shutdown.
 */
const EXIT_WITH_PARENT =
  'data:text/javascript,' +
  encodeURIComponent(
    'let asked=false;' +
      'process.on("message",(m)=>{if(m==="shutdown")asked=true});' +
      'process.stdout.on("error",()=>{});process.stderr.on("error",()=>{});' +
      'process.on("disconnect",()=>{if(asked)process.exit(0);' +
      'setTimeout(()=>process.exit(0),20000).unref();process.emit("SIGTERM")})',
  );

/** How long a new Azurite waits for the one a crashed host left behind to save its data and exit. */
const PREDECESSOR_TIMEOUT_MS = 30_000;

/**
 * Waits for the Azurite of an earlier host on this data folder (named by its pid file) to finish saving. One
 * whose host still runs is that host's: refused at once (waiting would only end on a port in use).
 */
async function waitForPredecessor(pidFile: string, location: string): Promise<void> {
  const holder = readPidFile(pidFile, 'azurite');
  if (holder.kind === 'owned')
    throw new AzuriteError(
      'AZURITE_IN_USE',
      `the Azurite data folder ${location} is in use by Azurite pid ${holder.pid} of a host that is still ` +
        `running (pid ${holder.owner}); stop that host, or set AZURITE_LOCATION and the AZURITE_*_PORT settings`,
    );
  if (holder.kind === 'none') return;
  const pid = holder.pid;
  const deadline = Date.now() + PREDECESSOR_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function azuriteEntry(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('azurite/package.json');
  } catch (e) {
    throw new AzuriteError(
      'AZURITE_NOT_INSTALLED',
      'the azurite package is not installed; run `npm ci` in the repository root',
      { cause: e },
    );
  }
  const entry = join(dirname(pkg), 'dist', 'src', 'azurite.js');
  if (!existsSync(entry)) {
    throw new AzuriteError('AZURITE_NOT_INSTALLED', `${entry} is missing; reinstall azurite (npm ci)`);
  }
  return entry;
}

/** An explicit port, else its environment variable, else Azurite's default. */
function azuritePortSetting(explicit: number | undefined, envName: string, fallback: number): number {
  return explicit ?? portSetting(process.env, envName, fallback);
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n/);
    rest = parts.pop() ?? '';
    for (const line of parts) if (line.trim() !== '') onLine(line);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => child.once('exit', () => res()));
}

function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => res('timeout'), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts Azurite (blob, queue and table) in a child process and resolves once every service listens.
 * A child rather than Azurite's in-process classes: the package only exports its VS Code extension API,
 * and a separate process keeps its event loop and memory out of the scoring process.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const entry = azuriteEntry();
  const host = options.host ?? '127.0.0.1';
  const ports = {
    Blob: azuritePortSetting(options.blobPort, 'AZURITE_BLOB_PORT', DEFAULT_BLOB_PORT),
    Queue: azuritePortSetting(options.queuePort, 'AZURITE_QUEUE_PORT', DEFAULT_QUEUE_PORT),
    Table: azuritePortSetting(options.tablePort, 'AZURITE_TABLE_PORT', DEFAULT_TABLE_PORT),
  };
  const configured = options.location ?? textSetting(process.env, 'AZURITE_LOCATION');
  const location = configured && configured !== 'memory' ? resolve(configured) : undefined;
  const pidFile = location ? join(location, 'azurite.pid') : undefined;
  if (location) await mkdir(location, { recursive: true });
  if (pidFile && location) await waitForPredecessor(pidFile, location);
  const args = [
    ...SERVICES.flatMap((s) => [
      `--${s.toLowerCase()}Host`,
      host,
      `--${s.toLowerCase()}Port`,
      String(ports[s]),
    ]),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    ...(location ? ['--location', location] : ['--inMemoryPersistence']),
  ];
  const child = fork(entry, args, {
    // Explicit so the child does not inherit the parent's loaders (tsx, vitest). A larger young generation:
    // Azurite allocates heavily per request; with the default semi-space it spent 7 % of its time in
    // scavenges, and 64 MB made the blob benchmark 8 % faster.
    execArgv: ['--import', EXIT_WITH_PARENT, '--max-semi-space-size=64'],
    cwd: location ?? tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: a SIGKILL of the `npm start` group (or Ctrl-C's SIGINT to it) does not reach
    // Azurite, which instead shuts down gracefully when its parent's IPC channel closes (EXIT_WITH_PARENT).
    // (POSIX only: on Windows `detached` would open a console window of its own.)
    detached: process.platform !== 'win32',
  });
  if (pidFile && child.pid) writePidFile(pidFile, child.pid);
  child.once('exit', () => pidFile && rmSync(pidFile, { force: true }));

  const listening = new Map<Service, URL>();
  const closed = new Set<Service>();
  const output: string[] = [];
  let onChange = () => {};
  const onLine = (line: string) => {
    output.push(line);
    if (output.length > 40) output.shift();
    options.onLog?.(line);
    const up = LISTENING.exec(line);
    if (up) listening.set(up[1] as Service, new URL(up[2]));
    const down = CLOSED.exec(line);
    if (down) closed.add(down[1] as Service);
    onChange();
  };
  lines(child.stdout, onLine);
  lines(child.stderr, onLine);

  const ready = await new Promise<'ready' | 'exited' | 'timeout'>((res) => {
    const timer = setTimeout(() => res('timeout'), options.startTimeoutMs ?? 30_000);
    const done = (r: 'ready' | 'exited') => {
      clearTimeout(timer);
      res(r);
    };
    onChange = () => {
      if (listening.size === SERVICES.length) done('ready');
    };
    child.once('exit', () => done('exited'));
    child.once('error', () => done('exited'));
  });
  onChange = () => {};
  if (ready !== 'ready') {
    child.kill('SIGKILL');
    await exited(child);
    const tail = output.join('\n');
    const inUse = /EADDRINUSE/.test(tail);
    throw new AzuriteError(
      inUse ? 'AZURITE_PORT_IN_USE' : ready === 'timeout' ? 'AZURITE_START_TIMEOUT' : 'AZURITE_START_FAILED',
      inUse
        ? `Azurite could not listen on ${host} ports ${ports.Blob}/${ports.Queue}/${ports.Table}: a port is in use ` +
            `(another Azurite?). Stop it, or set AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT (0 = any free port).\n${tail}`
        : `Azurite did not start (${ready}); its output:\n${tail}`,
    );
  }

  const port = (s: Service) => Number(listening.get(s)!.port);
  const blobPort = port('Blob');
  const queuePort = port('Queue');
  const tablePort = port('Table');
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const allClosed = new Promise<void>((res) => {
          onChange = () => {
            if (closed.size === SERVICES.length) res();
          };
        });
        // The IPC message is Azurite's own graceful shutdown and works on Windows, where signals do not.
        if (child.connected) child.send('shutdown');
        else child.kill('SIGTERM');
        await within(allClosed, 5_000);
        // Azurite never exits on its own after closing (the IPC channel keeps it alive): disconnecting
        // triggers EXIT_WITH_PARENT.
        if (child.connected) child.disconnect();
        if ((await within(exited(child), 3_000)) === 'timeout') {
          child.kill('SIGKILL');
          await exited(child);
        }
      }
    })();
    return stopping;
  };

  const blobEndpoint = `http://${host}:${blobPort}/${DEV_ACCOUNT_NAME}`;
  const queueEndpoint = `http://${host}:${queuePort}/${DEV_ACCOUNT_NAME}`;
  return {
    name: 'azurite',
    describe: () => [
      `Azurite  blob ${blobEndpoint}, queue ${queueEndpoint} (pid ${child.pid}, ${location ? `data in ${location}` : 'in memory only'})`,
    ],
    close: stop,
    connectionString: devConnectionString(host, { blob: blobPort, queue: queuePort, table: tablePort }),
    blobEndpoint,
    queueEndpoint,
    blobPort,
    queuePort,
    tablePort,
    location,
    pid: child.pid ?? -1,
    stop,
  };
}

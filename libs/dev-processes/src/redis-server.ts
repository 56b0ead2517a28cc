import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { hasExited, killOnExit, OutputTail, stopChild } from './child-process.js';
import { isPortOpen, waitForPort } from './ports.js';
import { readPidFile, stopPid, writePidFile } from './pid-file.js';

export interface RedisServerOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `redis-server`, looked up on PATH. */
  bin?: string;
  /** Extra redis-server arguments. */
  args?: string[];
  timeoutMs?: number;
  /**
   * Records the server's pid and its owner (this process) here. When the port is taken by the redis-server this
   * file names and its owner is dead (a host SIGKILLed before it could stop it), that server is reattached
   * instead of refused; one whose owner still runs (another `npm start`) is refused and left alone.
   */
  pidFile?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** True when an earlier host's redis-server was taken over (see RedisServerOptions.pidFile). */
  reattached: boolean;
  /** SIGTERM, then SIGKILL if it lingers; resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once, like a crash (no goodbye to clients); resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the connections stay up but nothing answers, like a server stuck in a slow command. */
  pause(): void;
  resume(): void;
}

/** Why a redis-server could not be started: `not-found` (not on PATH), `port-in-use`, or `failed`. */
export class RedisStartError extends Error {
  constructor(
    readonly reason: 'not-found' | 'port-in-use' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'RedisStartError';
  }
}

/** The memory bound of a Redis started here (redis-server's own syntax). */
export const REDIS_MAXMEMORY = '256mb';

/**
 * Starts a throw-away redis-server: in memory only (no RDB, no AOF), bound to loopback, killed with this
 * process. Resolves once it accepts connections. The one redis-server spawner of the repository: `npm start`,
 * the benchmark and the tests (cluster nodes included, through `args`) all start Redis with it.
 */
export async function startRedisServer(opts: RedisServerOptions): Promise<RedisServer> {
  const host = opts.host ?? '127.0.0.1';
  const bin = opts.bin ?? 'redis-server';
  const url = `redis://${host.includes(':') ? `[${host}]` : host}:${opts.port}`;
  if (await isPortOpen(opts.port, host)) {
    const holder = opts.pidFile
      ? readPidFile(opts.pidFile, 'redis-server', new RegExp(`:${opts.port}(?!\\d)`))
      : { kind: 'none' as const };
    if (holder.kind === 'orphan') return reattach(holder.pid, url, opts.port, opts.pidFile!);
    if (holder.kind === 'owned')
      throw new RedisStartError(
        'port-in-use',
        `${host}:${opts.port} is the redis-server (pid ${holder.pid}) of a host that is still running ` +
          `(pid ${holder.owner}); set REDIS_PORT to a free port, or REDIS_URL=${url} to share it`,
      );
    throw new RedisStartError(
      'port-in-use',
      `${host}:${opts.port} is already in use; set REDIS_PORT to a free port or REDIS_URL to that server`,
    );
  }
  const args = [
    '--port',
    String(opts.port),
    '--bind',
    host,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    // Everything the host keeps in Redis is a cache: bounded, and the least recently used key goes first
    // (without this Redis grows until the machine swaps or the OOM killer picks it). `args` may override.
    '--maxmemory',
    REDIS_MAXMEMORY,
    '--maxmemory-policy',
    'allkeys-lru',
    ...(opts.args ?? []),
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new OutputTail();
  child.stdout.on('data', (c: Buffer) => tail.push(c));
  child.stderr.on('data', (c: Buffer) => tail.push(c));
  let spawnError: NodeJS.ErrnoException | undefined;
  child.on('error', (e: NodeJS.ErrnoException) => (spawnError = e));
  killOnExit(child);

  try {
    await waitForPort(opts.port, {
      host,
      timeoutMs: opts.timeoutMs ?? 10_000,
      stillWorthWaiting: () => {
        if (spawnError) return spawnError.message;
        if (hasExited(child)) return `${bin} exited (${child.exitCode ?? child.signalCode})`;
        return undefined;
      },
    });
  } catch (e) {
    await stopChild(child, 1_000);
    if (spawnError?.code === 'ENOENT') throw new RedisStartError('not-found', `${bin} is not on PATH`);
    const output = tail.text();
    throw new RedisStartError(
      'failed',
      `${bin} did not start: ${(e as Error).message}${output ? `\n${output}` : ''}`,
    );
  }
  const pidFile = opts.pidFile;
  if (pidFile) writePidFile(pidFile, child.pid!);
  const forget = () => pidFile && rmSync(pidFile, { force: true });
  child.once('exit', forget);
  return {
    url,
    port: opts.port,
    pid: child.pid!,
    reattached: false,
    stop: () => stopChild(child),
    kill: async () => {
      if (hasExited(child)) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}

/** A redis-server an earlier host started and could not stop: ours to use and to stop now. */
function reattach(pid: number, url: string, port: number, pidFile: string): RedisServer {
  // Ours now: a start while this host runs must see a live owner.
  writePidFile(pidFile, pid);
  const stop = async (signal: NodeJS.Signals) => {
    await stopPid(pid, signal);
    rmSync(pidFile, { force: true });
  };
  return {
    url,
    port,
    pid,
    reattached: true,
    stop: () => stop('SIGTERM'),
    kill: () => stop('SIGKILL'),
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
  };
}

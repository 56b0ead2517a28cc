import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  startRedisServer as spawnRedisServer,
  type RedisServer as RunningRedis,
} from '@modelfn/dev-processes';

/**
 * Real redis-server processes for tests, started by the repository's one spawner (@modelfn/dev-processes):
 * no persistence, loopback only, killed with the test process. Each here gets its own temp directory (for
 * cluster nodes' config files) and is SIGKILLed on stop, like a crash.
 */

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1, and (for cluster nodes) with its cluster bus port, port + 10000, free too.
 * There is a window between probing and redis binding; collisions are retried by the callers' PING wait.
 */
export async function freePort(needsBusPort = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = needsBusPort ? 20000 + Math.floor(Math.random() * 30000) : await ephemeralPort();
    if (!needsBusPort) return port;
    if ((await portIsFree(port)) && (await portIsFree(port + 10000))) return port;
  }
  throw new Error('no free port found');
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and returns the raw reply text (enough for PING and CLUSTER INFO). */
export function rawCommand(port: number, command: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(data);
    };
    const timer = setTimeout(() => finish(new Error(`no reply to ${command} on ${port}`)), timeoutMs);
    socket.once('error', finish);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      // Simple replies end at the first CRLF; a bulk reply ($len) once its length has arrived.
      const bulk = /^\$(\d+)\r\n/.exec(data);
      if (bulk ? data.length >= bulk[0].length + Number(bulk[1]) + 2 : data.includes('\r\n')) finish();
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export class RedisServer {
  #server: RunningRedis | undefined;
  readonly dir: string;

  constructor(
    readonly port: number,
    readonly extraArgs: string[] = [],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `modelfn-redis-${port}-`));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  /** Starts redis-server on this.port and resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.#server) return;
    this.#server = await spawnRedisServer({
      port: this.port,
      args: ['--dir', this.dir, '--loglevel', 'warning', ...this.extraArgs],
    });
    try {
      await waitUntil(
        async () => (await rawCommand(this.port, 'PING')).startsWith('+PONG'),
        10_000,
        `redis-server on port ${this.port}`,
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** SIGKILL, like a crash: no goodbye to clients. Resolves once the process is gone. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.kill();
  }

  /** SIGSTOP: the connection stays up but nothing answers, like a Redis stuck in a slow command. */
  pause(): void {
    this.#server?.pause();
  }

  resume(): void {
    this.#server?.resume();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops and removes the temp directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startRedisServer(): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const server = new RedisServer(await freePort());
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.dispose();
      if (attempt >= 2) throw err;
    }
  }
}

export interface RedisClusterHandle {
  nodes: RedisServer[];
  /** `redis://127.0.0.1:<first node>`: a root node to discover the cluster from. */
  url: string;
  stop(): Promise<void>;
}

/** `size` masters, no replicas, slots spread by `redis-cli --cluster create`, resolved at cluster_state:ok. */
export async function startRedisCluster(size = 3): Promise<RedisClusterHandle> {
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.dispose()));
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await freePort(true);
      const node = new RedisServer(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]);
      nodes.push(node);
      await node.start();
    }
    const create = spawn(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    create.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    create.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(create, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`redis-cli --cluster create failed (${code}): ${output}`);
    await waitUntil(
      async () => {
        const infos = await Promise.all(nodes.map((n) => rawCommand(n.port, 'CLUSTER INFO')));
        return infos.every((info) => info.includes('cluster_state:ok'));
      },
      15_000,
      'cluster_state:ok',
    );
    return { nodes, url: nodes[0].url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit, OutputTail, stopChild } from '@modelfn/dev-processes';

export interface ChildServer {
  url: string;
  pid: number;
  /** Every process serving requests (the workers of a cluster, else just pid). */
  pids: number[];
  /** Where the server's Prometheus counters are read (summed over workers). */
  metricsUrl: string;
  /** Milliseconds from spawn to the ready line. */
  startMs: number;
  stop(): Promise<void>;
}

interface ReadyLine {
  ready: true;
  url: string;
  pid: number;
  pids?: number[];
  metricsUrl?: string;
}

/** Path of a server script beside this file. */
export function serverScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/**
 * Starts `node --import tsx <script> [args]` (`plain`: `node <script> [args]`, for a JavaScript script run as
 * Azure would, without tsx) and resolves with its ready line (`{"ready":true,"url",...}` on stdout). The child
 * dies with the bench however the bench ends.
 */
export function startChildServer(
  script: string,
  opts: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutMs?: number;
    nodeArgs?: string[];
    plain?: boolean;
    args?: string[];
  },
): Promise<ChildServer> {
  const started = performance.now();
  const loader = opts.plain ? [] : ['--import', 'tsx'];
  const argv = [...(opts.nodeArgs ?? []), ...loader, script, ...(opts.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, argv, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  const tail = new OutputTail();
  return new Promise((resolve, reject) => {
    let buffered = '';
    let ready = false;
    const timer = setTimeout(
      () => fail(new Error(`no ready line after ${opts.timeoutMs ?? 60_000} ms`)),
      opts.timeoutMs ?? 60_000,
    );
    const fail = (e: Error) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      void stopChild(child, 1_000).then(() => reject(new Error(`${script}: ${e.message}\n${tail.text()}`)));
    };
    child.stderr!.on('data', (c: Buffer) => tail.push(c));
    child.once('exit', (code, signal) => fail(new Error(`exited (${code ?? signal}) before it was ready`)));
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{"ready":true')) {
          tail.push(line);
          continue;
        }
        if (ready) continue;
        ready = true;
        clearTimeout(timer);
        const info = JSON.parse(line) as ReadyLine;
        resolve({
          url: info.url,
          pid: info.pid,
          pids: info.pids ?? [info.pid],
          metricsUrl: info.metricsUrl ?? `${info.url}/metrics`,
          startMs: performance.now() - started,
          stop: () => stopChild(child),
        });
      }
    });
  });
}

import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port nobody listens on right now (the OS picks it), for tests and sidecar processes. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface WaitForPortOptions {
  host?: string;
  timeoutMs?: number;
  /** Checked between attempts: give up early when the process that should open the port has died. */
  stillWorthWaiting?: () => string | undefined;
}

/** Resolves once host:port accepts connections; rejects after the timeout or when the reason to wait is gone. */
export async function waitForPort(port: number, opts: WaitForPortOptions = {}): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (await isPortOpen(port, host)) return;
    const gone = opts.stillWorthWaiting?.();
    if (gone) throw new Error(gone);
    if (Date.now() > deadline)
      throw new Error(`nothing listens on ${host}:${port} after ${opts.timeoutMs ?? 10_000} ms`);
    await sleep(delay);
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * A TCP proxy in a process of its own that delays every chunk by `delayMs` each way: a real Redis behind a
 * network round trip (Azure Cache for Redis is ~1–2 ms away), with its timing independent of how busy the
 * test's own event loop is.
 */
export interface LatencyProxy {
  port: number;
  stop(): Promise<void>;
}

const SCRIPT = `
const net = require('node:net');
const [target, delay] = [Number(process.argv[1]), Number(process.argv[2])];
// noDelay: Nagle's algorithm meeting delayed ACKs would add ~40 ms of its own to small replies.
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ port: target, host: '127.0.0.1', noDelay: true });
  const pipe = (from, to) => {
    from.on('data', (d) => setTimeout(() => to.destroyed || to.write(d), delay));
    from.on('close', () => setTimeout(() => to.destroy(), delay));
    from.on('error', () => to.destroy());
  };
  pipe(client, upstream);
  pipe(upstream, client);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export async function startLatencyProxy(targetPort: number, delayMs: number): Promise<LatencyProxy> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT, String(targetPort), String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    port: Number(line.toString().trim()),
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

import { createServer, connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError, withTimeout } from '../../../src/cache/backends/with-timeout.js';

describe('withTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes through a value and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes through a rejection and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.reject(new Error('no')), 50)).rejects.toThrow('no');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with TimeoutError when the promise is too slow', async () => {
    // performance.now too: the deadline is checked against it.
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'],
    });
    const never = new Promise<number>(() => {});
    const result = withTimeout(never, 50, 'redis get');
    let rejected = false;
    result.catch(() => (rejected = true));
    // The clock starts in the check phase after the call (a setImmediate: when node-redis writes).
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(49);
    await Promise.resolve();
    expect(rejected).toBe(false);
    // The deadline, then the verdict after one more poll phase (a setImmediate).
    vi.advanceTimersByTime(1);
    await expect(result).rejects.toBeInstanceOf(TimeoutError);
    await expect(result).rejects.toThrow('redis get timed out after 50 ms');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a late rejection after the timeout is not unhandled', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      // Rejected once the timeout has been reported, whatever the machine's load (not by a timer racing it).
      let rejectLate: (e: Error) => void = () => undefined;
      const late = new Promise<number>((_, reject) => (rejectLate = reject));
      await expect(withTimeout(late, 5)).rejects.toBeInstanceOf(TimeoutError);
      rejectLate(new Error('late'));
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('does not time out a reply that arrived while the event loop was busy past the deadline', async () => {
    let echoed: () => void = () => undefined;
    const wrote = new Promise<void>((r) => (echoed = r));
    const server = createServer((socket) =>
      socket.on('data', (d) => {
        socket.write(d);
        echoed();
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    try {
      const reply = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
      socket.write('pong');
      // The echo is in the client's socket now, as a Redis reply would be; the loop reads it on its next turn.
      await wrote;
      const result = withTimeout(reply, 20, 'echo');
      const until = Date.now() + 80;
      while (Date.now() < until);
      await expect(result).resolves.toBe('pong');
    } finally {
      socket.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

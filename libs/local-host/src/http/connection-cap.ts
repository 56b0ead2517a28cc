import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Seconds a client turned away at the cap is told to wait: long enough for the open connections to turn over. */
export const CONNECTION_CAP_RETRY_AFTER_S = 1;

/**
 * Caps the connections one process serves: a connection past the cap gets its first request answered at once
 * with 503 `TOO_MANY_CONNECTIONS` and `Retry-After`, and is closed, instead of joining the rest. Under 1,000
 * busy connections a new client otherwise waited 6-10 s or got nothing (its connection queued in the kernel
 * behind hundreds the host was not getting to); with the cap it gets an answer, served or told when to come
 * back. Returns whether a socket is past the cap.
 */
export function capConnections(server: Server, max: number): (socket: Socket) => boolean {
  const over = new WeakSet<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= max) {
      over.add(socket);
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
  return (socket) => over.has(socket);
}

export function tooManyConnectionsMessage(max: number): string {
  return (
    `this host process already serves ${max} connections (LOCAL_HOST_MAX_CONNECTIONS); ` +
    `retry after ${CONNECTION_CAP_RETRY_AFTER_S} s, or reuse a kept-alive connection`
  );
}

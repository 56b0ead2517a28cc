import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Server } from 'node:http';

/**
 * Extra listening sockets on the HTTP server's port (SO_REUSEPORT), each handing what it accepts to the
 * server. libuv accepts one connection per listening socket per event-loop turn, and a turn under 1,000 busy
 * connections takes tens to hundreds of milliseconds: new clients waited seconds in the kernel's accept queue
 * (measured 6.2 s median, about half never answered within 10 s). The kernel spreads connections over every
 * socket of the port, so `count` sockets per process accept `count` times as many per turn.
 */
export async function startAcceptors(
  server: Server,
  port: number,
  host: string,
  count: number,
): Promise<NetServer[]> {
  const acceptors: NetServer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      // noDelay as http.createServer sets it on the sockets it accepts itself, so a connection behaves the
      // same whichever listening socket took it (Nagle's algorithm off; no measured difference on keep-alive
      // /score hits, whose answers go out in one write).
      const acceptor = createNetServer({ noDelay: true }, (socket) => server.emit('connection', socket));
      acceptors.push(acceptor);
      await new Promise<void>((resolve, reject) => {
        acceptor.once('error', reject);
        acceptor.listen({ port, host, reusePort: true }, () => {
          acceptor.off('error', reject);
          resolve();
        });
      });
    }
  } catch (e) {
    await closeAcceptors(acceptors);
    throw e;
  }
  return acceptors;
}

/** Stops accepting; the connections they handed over belong to the HTTP server and close with it. */
export function closeAcceptors(acceptors: NetServer[]): Promise<void> {
  return Promise.all(
    acceptors.map(
      (a) => new Promise<void>((resolve) => (a.listening ? a.close(() => resolve()) : resolve())),
    ),
  ).then(() => undefined);
}

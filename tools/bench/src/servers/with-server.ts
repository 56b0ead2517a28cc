import type { ChildServer } from './child-server.js';

/** Runs `fn` against a started server and always stops it. */
export async function withServer(
  start: () => Promise<ChildServer>,
  fn: (s: ChildServer) => Promise<void>,
): Promise<void> {
  const server = await start();
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

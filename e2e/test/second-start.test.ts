import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort, isPortOpen } from '@modelfn/dev-processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, gone } from './support/processes.js';
import { startSystem, type System } from './support/system.js';

/** The output of a start that was expected to fail (startSystem rejects with it). */
async function failedStart(...args: Parameters<typeof startSystem>): Promise<string> {
  const e = await startSystem(...args).then(
    async (sys) => {
      await sys.stop('SIGKILL');
      throw new Error(`the second start came up:\n${sys.output()}`);
    },
    (err: unknown) => err as Error,
  );
  expect(e.message).toMatch(/the system exited with 1 while starting/);
  return e.message;
}

/**
 * Issue 30 item 4: a second `npm start` beside a running one (as `npm start` twice, on the first one's ports).
 * Both through startSystem (the `npm start` entry on free ports, each with data folders of its own); the first
 * spawns its redis-server with the pid file every start on that port reads.
 */
describe('a second npm start beside a running one', () => {
  let first: System;
  let firstRedis: number;
  beforeAll(async () => {
    first = await startSystem();
    firstRedis = Number(/redis-server pid (\d+)/.exec(first.output())?.[1]);
  });
  afterAll(async () => {
    expect(await first?.stop('SIGTERM')).toBe(0);
  });

  it("fails without touching the first one's Redis: never reattached, never stopped", async () => {
    const out = await failedStart(first.ports, { LOG_LEVEL: 'info' });
    // Before: it took the live redis-server for one left by a crash, and stopped it on its way out.
    expect(out).toContain(
      `redis-server (pid ${firstRedis}) of a host that is still running (pid ${first.child.pid})`,
    );
    expect(out).not.toContain('reattached');
    expect(alive(firstRedis)).toBe(true);
    const res = await fetch(`${first.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [Array(784).fill(0)] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).not.toBe('bypass');
  }, 300_000);

  it('a start that fails stops what it started, and only that', async () => {
    // Its own Redis port (free); the first one's Azurite ports and data folder, as two `npm start`s on the
    // default ports share them: Redis starts, Azurite cannot.
    const [, firstAzurite, location] = /\(pid (\d+), data in (.+)\)$/m.exec(first.output()) ?? [];
    const pidFile = join(location, 'azurite.pid');
    const record = readFileSync(pidFile, 'utf8');
    const redisPort = await findFreePort();
    const out = await failedStart(
      { ...first.ports, redis: redisPort },
      { LOG_LEVEL: 'info', AZURITE_LOCATION: location },
    );
    const own = Number(/"redisPid":(\d+)[^\n]*"msg":"redis-server started"/.exec(out)?.[1]);
    expect(own).toBeGreaterThan(0);
    expect(await gone([own])).toEqual([]);
    expect(await isPortOpen(redisPort)).toBe(false);
    expect(alive(firstRedis)).toBe(true);
    // Before: it waited 30 s for the first one's Azurite to exit, forked its own, which wrote over the first
    // one's pid file and removed it on exiting: a start after a crash of the first host would then no longer
    // wait for that Azurite to finish saving its data.
    expect(existsSync(pidFile) && readFileSync(pidFile, 'utf8')).toBe(record);
    expect(alive(Number(firstAzurite))).toBe(true);
    // Refused before its own Azurite was forked, instead of after waiting 30 s for the live one to exit.
    expect(out).toContain(
      `Azurite pid ${firstAzurite} of a host that is still running (pid ${first.child.pid})`,
    );
  }, 300_000);
});

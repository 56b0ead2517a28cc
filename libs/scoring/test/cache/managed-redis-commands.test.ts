import { loadMnist } from '@modelfn/train-mnist';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../src/create-scorer.js';
import type { Scorer } from '../../src/scorer.js';
import { readSettings } from '../../src/settings.js';
import { keySlot } from '../support/key-slot.js';
import { MODELS } from '../support/models.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

/**
 * The deployment's Azure Managed Redis uses the Enterprise clustering policy: one endpoint, a proxy in
 * front of the shards, and a plain (non-cluster) client — ours. Behind that proxy a command whose keys
 * hash to different slots fails with CROSSSLOT unless it is one of the few the proxy splits. This records
 * every command the scorer's cache sends to a real redis-server (MONITOR), asks the server which arguments
 * are keys (COMMAND GETKEYS), and checks each command would be accepted under that policy.
 */
const CROSS_SLOT_ALLOWED = new Set(['DEL', 'EXISTS', 'MGET', 'MSET', 'TOUCH', 'UNLINK']);
/** Commands whose meaning needs every key on one shard, refused or different behind the proxy. */
const NEVER = new Set(['MULTI', 'EXEC', 'WATCH', 'EVAL', 'EVALSHA', 'FCALL', 'SELECT', 'KEYS', 'SCAN']);

const test = loadMnist('test');
const row = (i: number) => Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255);
const json = (v: unknown) => ({ body: Buffer.from(JSON.stringify(v)), contentType: 'application/json' });

interface Seen {
  /** The client's address as the server sees it. */
  readonly addr: string;
  readonly args: string[];
}

/** `1700000000.123456 [0 127.0.0.1:5555] "MGET" "a" "b"` → ['MGET', 'a', 'b'] (quoted, escaped args). */
function parseMonitorLine(line: string): Seen {
  const addr = /^\S+ \[\d+ ([^\]]+)\]/.exec(line)?.[1] ?? '';
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    args.push(
      m[1].replace(/\\x([0-9a-f]{2})|\\(.)/g, (_, hex, c) =>
        hex ? String.fromCharCode(parseInt(hex, 16)) : c,
      ),
    );
  return { addr, args };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let t = 0; t < 200; t++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('gave up waiting');
}

describe('the cache under the Enterprise clustering policy (Azure Managed Redis)', () => {
  let server: RedisServer;
  let scorer: Scorer;
  let monitor: ReturnType<typeof createClient>;
  let inspect: ReturnType<typeof createClient>;
  const seen: Seen[] = [];
  let inspectAddr = '';

  beforeAll(async () => {
    server = await startRedisServer();
    monitor = createClient({ url: server.url });
    monitor.on('error', () => undefined);
    await monitor.connect();
    await monitor.monitor((line) => seen.push(parseMonitorLine(String(line))));
    inspect = createClient({ url: server.url });
    inspect.on('error', () => undefined);
    await inspect.connect();
    inspectAddr = /addr=(\S+)/.exec(String(await inspect.sendCommand(['CLIENT', 'INFO'])))?.[1] ?? '';
    scorer = await createScorer(
      readSettings({
        MODEL_REPOSITORY: MODELS,
        REDIS_URL: server.url,
        CACHE_TIMEOUT_MS: '1000',
        // Every lookup goes to Redis: the in-process tier would answer repeats without a command.
        CACHE_L1_BYTES: '0',
      }),
    );
    for (let t = 0; t < 50 && !(await scorer.cache.rows.getMany(['probe'])).available; t++)
      await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    await scorer?.close();
    await monitor?.disconnect();
    await inspect?.quit();
    await server?.stop();
  });

  it('sends only commands whose keys share a slot, or that the proxy splits', async () => {
    await inspect.set('user:rows', JSON.stringify([row(20), row(21)]));
    seen.length = 0;
    // Misses, a partial batch, hits, single flight, a v2 request and an input by reference.
    await scorer.infer(json({ data: [row(0), row(1), row(2)] }));
    await scorer.infer(json({ data: [row(0), row(1), row(2), row(3), row(4), row(5)] }));
    await Promise.all(Array.from({ length: 8 }, () => scorer.infer(json({ data: [row(6)] }))));
    await scorer.infer(json({ data: [row(0), row(3), row(6)] }));
    await scorer.infer({
      v2: Buffer.from(
        JSON.stringify({
          inputs: [{ name: 'input', shape: [2, 784], datatype: 'FP32', data: [row(7), row(8)].flat() }],
        }),
      ),
      model: 'mnist',
    });
    await scorer.infer(json({ data_key: 'user:rows' }));
    // Rows are written after the answers: wait until all nine are stored, then until MONITOR, whose feed is
    // in execution order, has shown a marker sent after them.
    await until(async () => (await inspect.keys('modelfn:mnist:*')).length >= 9);
    await inspect.sendCommand(['ECHO', 'modelfn-marker']);
    await until(async () =>
      seen.some(({ args: [c, a] }) => c?.toUpperCase() === 'ECHO' && a === 'modelfn-marker'),
    );

    // Every command but the test's own (from `inspect`; the monitor connection's feed has no commands).
    expect(inspectAddr).not.toBe('');
    const commands = seen.filter((s) => s.addr !== inspectAddr && s.args.length > 0).map((s) => s.args);
    expect(commands.length).toBeGreaterThan(0);
    let crossSlotMget = 0;
    for (const [name, ...rest] of commands) {
      const command = name.toUpperCase();
      expect(NEVER.has(command), `${command} is sent`).toBe(false);
      const keys = (await inspect
        .sendCommand(['COMMAND', 'GETKEYS', name, ...rest])
        .catch(() => [])) as string[];
      const slots = new Set(keys.map((k) => keySlot(k)));
      if (slots.size > 1) {
        expect(CROSS_SLOT_ALLOWED.has(command), `${command} spans ${slots.size} slots`).toBe(true);
        if (command === 'MGET') crossSlotMget++;
      }
    }
    // The per-row lookups really did span slots (the proxy splitting MGET is what the cache relies on).
    expect(crossSlotMget).toBeGreaterThan(0);
    expect(commands.some(([c]) => c.toUpperCase() === 'SET')).toBe(true);
  });
});

describe('keySlot', () => {
  it('computes the slots Redis Cluster documents', () => {
    // CRC16/XMODEM("123456789") = 0x31C3; "foo" is slot 12182 in the cluster spec's examples.
    expect(keySlot('123456789')).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, RedisStartError, startRedisServer, type RedisServer } from '@modelfn/dev-processes';
import { loadMnist } from '@modelfn/train-mnist';
import { digitTails } from './bodies.js';
import { pickDriver } from './load/pick-driver.js';
import type { LoadDriverName } from './load/types.js';
import type { Plan } from './plan.js';
import type { Measured } from './results.js';
import { batchingRows, batchSizeRows, v2Rows } from './scenarios/ours-extra.js';
import { bareRows, ourScoreRows, peerRows, SERVERS } from './scenarios/score.js';
import { checkPeer, peerModel } from './servers/peer.js';
import { httpBench, type SuiteContext } from './suite-context.js';
import { processRows } from './scenarios/process-rows.js';
import { ocrRows } from './scenarios/ocr.js';
import { orientationRows } from './scenarios/ocr-orientation.js';
import { npmStartRows, ocrPoolRows } from './scenarios/off-loop.js';
import { packagedRows } from './scenarios/packaged.js';

export interface SuiteOptions {
  plan: Plan;
  repoRoot: string;
  load: LoadDriverName | undefined;
  noPeer: boolean;
  log(line: string): void;
}

export interface SuiteOutcome {
  rows: Measured[];
  notes: string[];
  driver: string;
}

/** The settings our headline rows run with (the batching, v2, batch-size and process rows use the same). */
export const HEADLINE_ENV: Record<string, string> = { LOCAL_HOST_WORKERS: '2' };

async function startRedis(log: (l: string) => void): Promise<RedisServer | undefined> {
  try {
    return await startRedisServer({ port: await findFreePort() });
  } catch (e) {
    if (!(e instanceof RedisStartError)) throw e;
    log(
      `redis-server could not start (${e.message.split('\n')[0]}): ours runs with the in-process cache, the peer is skipped`,
    );
    return undefined;
  }
}

/** Everything, in an order that never runs two servers under load at once. */
export async function runSuite(opts: SuiteOptions): Promise<SuiteOutcome> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'modelfn-bench-'));
  const notes: string[] = [];
  const redis = await startRedis(opts.log);
  if (!redis)
    notes.push(
      'redis-server was not available: our rows used the in-process cache and the peer was skipped.',
    );
  try {
    const mnist = loadMnist('test');
    const base: Omit<SuiteContext, 'http'> = {
      plan: opts.plan,
      repoRoot: opts.repoRoot,
      modelsDir: join(opts.repoRoot, 'models'),
      tmpDir,
      driver: pickDriver(opts.load, tmpDir, opts.repoRoot),
      redisUrl: redis?.url,
      tails: digitTails(mnist.images, 100),
      rows: [],
      notes,
      log: opts.log,
    };
    const ctx: SuiteContext = { ...base, http: httpBench(base) };
    opts.log(`load generator: ${ctx.driver.description}`);

    // The peer is trained first, so its training never shares the CPU with a measured row.
    let peer: Parameters<typeof peerRows>[1];
    const check = checkPeer(opts.repoRoot);
    if (opts.noPeer) peer = { skipped: '--no-peer' };
    else if (!check.ok) peer = { skipped: check.reason };
    else if (!redis) peer = { skipped: 'no redis-server for its cache' };
    else {
      try {
        peer = {
          dir: check.dir,
          model: await peerModel(opts.repoRoot, check.dir, opts.log),
          redisPort: redis.port,
        };
      } catch (e) {
        peer = { skipped: `training failed: ${(e as Error).message.split('\n')[0]}` };
      }
    }
    if ('skipped' in peer) notes.push(`The peer was not measured: ${peer.skipped}.`);

    await bareRows(ctx);
    await peerRows(ctx, peer);
    const rss = await ourScoreRows(ctx, 'ours', HEADLINE_ENV, async (s) => {
      await v2Rows(ctx, s, SERVERS.ours);
      await batchSizeRows(ctx, s, SERVERS.ours);
    });
    await ourScoreRows(ctx, 'oursL1', { ...HEADLINE_ENV, CACHE_L1_BYTES: String(64 * 2 ** 20) });
    await ourScoreRows(ctx, 'ours1', { ...HEADLINE_ENV, LOCAL_HOST_WORKERS: '1' });
    await batchingRows(ctx, HEADLINE_ENV, SERVERS.ours);
    await processRows(ctx, HEADLINE_ENV, rss);
    await ocrRows(ctx, HEADLINE_ENV);
    await orientationRows(ctx);
    await ocrPoolRows(ctx);
    await npmStartRows(ctx);
    await packagedRows(ctx);
    return { rows: ctx.rows, notes, driver: ctx.driver.description };
  } finally {
    await redis?.stop();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

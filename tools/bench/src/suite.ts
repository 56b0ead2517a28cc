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
import type { SuiteStep } from './suite-steps.js';

export interface SuiteOptions {
  plan: Plan;
  repoRoot: string;
  load: LoadDriverName | undefined;
  noPeer: boolean;
  /** Only these groups of rows (`--only`); undefined: all. */
  only?: SuiteStep[];
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
    if (opts.only && !opts.only.includes('score')) peer = { skipped: '--only leaves the /score rows out' };
    else if (opts.noPeer) peer = { skipped: '--no-peer' };
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
    if ('skipped' in peer && (!opts.only || opts.only.includes('score')))
      notes.push(`The peer was not measured: ${peer.skipped}.`);

    let rss: Awaited<ReturnType<typeof ourScoreRows>> = undefined;
    const steps: [SuiteStep, () => Promise<unknown>][] = [
      ['score', () => bareRows(ctx)],
      ['score', () => peerRows(ctx, peer)],
      [
        'score',
        async () =>
          (rss = await ourScoreRows(ctx, 'ours', HEADLINE_ENV, async (s) => {
            await v2Rows(ctx, s, SERVERS.ours);
            await batchSizeRows(ctx, s, SERVERS.ours);
          })),
      ],
      ['score', () => ourScoreRows(ctx, 'oursL1', { ...HEADLINE_ENV, CACHE_L1_BYTES: String(64 * 2 ** 20) })],
      ['score', () => ourScoreRows(ctx, 'ours1', { ...HEADLINE_ENV, LOCAL_HOST_WORKERS: '1' })],
      ['batching', () => batchingRows(ctx, HEADLINE_ENV, SERVERS.ours)],
      ['process', () => processRows(ctx, HEADLINE_ENV, rss)],
      ['ocr', () => ocrRows(ctx, HEADLINE_ENV)],
      ['ocr', () => orientationRows(ctx)],
      ['off-loop', () => ocrPoolRows(ctx)],
      ['off-loop', () => npmStartRows(ctx)],
      ['packaged', () => packagedRows(ctx)],
    ];
    for (const [step, run] of steps) if (!opts.only || opts.only.includes(step)) await run();
    return { rows: ctx.rows, notes, driver: ctx.driver.description };
  } finally {
    await redis?.stop();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildServer } from '../servers/child-server.js';
import { startOurs } from '../servers/ours.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { measured } from './measured.js';
import { loadRow } from './row.js';
import { withServer } from '../servers/with-server.js';
import { WIDE_HIDDEN, WIDE_MODEL, wideModelRepository } from './wide-model.js';

/** v2 infer (JSON tensors), hit and miss, on a running server of ours. */
export async function v2Rows(ctx: SuiteContext, s: ChildServer, server: string): Promise<void> {
  for (const mode of ['hit', 'miss'] as const) {
    const { r, outcome } = await measured(ctx, s, {
      url: `${s.url}/v2/models/mnist/infer`,
      connections: ctx.plan.connections,
      format: 'v2',
      rowsPerRequest: 1,
      mode,
    });
    ctx.rows.push(
      loadRow(
        `v2-${mode}:ours`,
        `v2 infer cache-${mode}, 1 row/request, ${ctx.plan.connections} conns`,
        server,
        r,
        {
          note: outcome,
          against: [{ id: `score-${mode}:ours`, label: 'ours /score', as: 'percent' }],
        },
      ),
    );
    ctx.log(`v2-${mode}: ${Math.round(r.rps)} req/s`);
  }
}

/** /score with 1, 8, 32 rows per request, every row distinct (misses): rows/s. */
export async function batchSizeRows(ctx: SuiteContext, s: ChildServer, server: string): Promise<void> {
  for (const rows of ctx.plan.batchSizes) {
    const { r, outcome } = await measured(ctx, s, {
      url: `${s.url}/score`,
      connections: ctx.plan.connections,
      format: 'aml',
      rowsPerRequest: rows,
      mode: 'miss',
    });
    ctx.rows.push(
      loadRow(
        `batch-${rows}:ours`,
        `/score ${rows} rows/request, cache-miss, ${ctx.plan.connections} conns`,
        server,
        r,
        {
          rowsPerRequest: rows,
          note: outcome,
        },
      ),
    );
    ctx.log(`batch-${rows}: ${Math.round(r.rps * rows)} rows/s`);
  }
}

/** Queue delay used for the "on" row when models/mnist/config.json has no dynamic_batching of its own. */
export const BENCH_QUEUE_DELAY_MICROS = 100;

/**
 * A model repository with dynamic batching on for mnist: the repo's own when its config has it, otherwise a
 * copy in the temp dir with `dynamic_batching.max_queue_delay_microseconds` added.
 */
async function batchingRepository(
  ctx: SuiteContext,
): Promise<{ dir: string; delay: number; copied: boolean }> {
  const configPath = join(ctx.modelsDir, 'mnist', 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as {
    dynamic_batching?: { max_queue_delay_microseconds: number };
  };
  if (config.dynamic_batching)
    return { dir: ctx.modelsDir, delay: config.dynamic_batching.max_queue_delay_microseconds, copied: false };
  const dir = join(ctx.tmpDir, 'models-batching');
  await cp(ctx.modelsDir, dir, { recursive: true });
  config.dynamic_batching = { max_queue_delay_microseconds: BENCH_QUEUE_DELAY_MICROS };
  await writeFile(join(dir, 'mnist', 'config.json'), JSON.stringify(config, null, 2));
  return { dir, delay: BENCH_QUEUE_DELAY_MICROS, copied: true };
}

interface BatchingSubject {
  /** Row ids are `<id>-off:ours` and `<id>-on:ours`. */
  id: string;
  /** After "dynamic batching on/off" in the scenario: which model, when not mnist. */
  what: string;
  /** Repository for both rows (BATCHING=off turns its dynamic_batching off), and what to say about it. */
  repo: { dir: string; delay: number; where: string };
}

/** Single-row cache-miss requests at 64 connections, dynamic batching off then on (DESIGN.md: on ≥ 2× off). */
async function batchingPair(
  ctx: SuiteContext,
  env: Record<string, string>,
  server: string,
  subject: BatchingSubject,
): Promise<void> {
  const conns = ctx.plan.batchingConnections;
  const scenario = (on: boolean) =>
    `/score cache-miss, 1 digit/request, ${conns} conns, dynamic batching ${on ? 'on' : 'off'}${subject.what}`;
  const load = { connections: conns, format: 'aml', rowsPerRequest: 1, mode: 'miss' } as const;
  const repoEnv = { ...env, MODEL_REPOSITORY: subject.repo.dir };
  await attempt(ctx, `${subject.id} off row`, () =>
    withServer(
      () => startOurs(ctx, { ...repoEnv, BATCHING: 'off' }),
      async (s) => {
        const { r, outcome } = await measured(ctx, s, { url: `${s.url}/score`, ...load });
        ctx.rows.push(
          loadRow(`${subject.id}-off:ours`, scenario(false), server, r, { note: `BATCHING=off; ${outcome}` }),
        );
        ctx.log(`${subject.id} off: ${Math.round(r.rps)} req/s`);
      },
    ),
  );
  await attempt(ctx, `${subject.id} on row`, () =>
    withServer(
      () => startOurs(ctx, { ...repoEnv, BATCHING: 'config' }),
      async (s) => {
        const { r, outcome } = await measured(ctx, s, { url: `${s.url}/score`, ...load });
        ctx.rows.push(
          loadRow(`${subject.id}-on:ours`, scenario(true), server, r, {
            note: `max_queue_delay_microseconds ${subject.repo.delay} (${subject.repo.where}); ${outcome}`,
            against: [{ id: `${subject.id}-off:ours`, label: 'batching off', as: 'factor' }],
          }),
        );
        ctx.log(`${subject.id} on: ${Math.round(r.rps)} req/s`);
      },
    ),
  );
}

/** Dynamic batching off and on, for mnist and for a model whose run is most of a request (wide-model.ts). */
export async function batchingRows(
  ctx: SuiteContext,
  env: Record<string, string>,
  server: string,
): Promise<void> {
  const mnist = await batchingRepository(ctx);
  await batchingPair(ctx, env, server, {
    id: 'batching',
    what: '',
    repo: {
      dir: mnist.dir,
      delay: mnist.delay,
      where: mnist.copied ? 'added to a copy of the config' : 'models/mnist/config.json',
    },
  });
  const wide = await wideModelRepository(ctx, mnist.delay);
  await batchingPair(ctx, env, server, {
    id: 'batching-wide',
    what: `, ${WIDE_MODEL} (784-${WIDE_HIDDEN}-10, untrained)`,
    repo: { dir: wide, delay: mnist.delay, where: 'as mnist' },
  });
}

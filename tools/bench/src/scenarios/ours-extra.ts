import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildServer } from '../servers/child-server.js';
import { startOurs } from '../servers/ours.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { measured } from './measured.js';
import { loadRow } from './row.js';
import { withServer } from '../servers/with-server.js';

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
      loadRow(`v2-${mode}:ours`, `v2 infer cache-${mode}, 1 row/request, ${ctx.plan.connections} conns`, server, r, {
        note: outcome,
        against: [{ id: `score-${mode}:ours`, label: 'ours /score', as: 'percent' }],
      }),
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
      loadRow(`batch-${rows}:ours`, `/score ${rows} rows/request, cache-miss, ${ctx.plan.connections} conns`, server, r, {
        rowsPerRequest: rows,
        note: outcome,
      }),
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
async function batchingRepository(ctx: SuiteContext): Promise<{ dir: string; delay: number; copied: boolean }> {
  const configPath = join(ctx.modelsDir, 'mnist', 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { dynamic_batching?: { max_queue_delay_microseconds: number } };
  if (config.dynamic_batching) return { dir: ctx.modelsDir, delay: config.dynamic_batching.max_queue_delay_microseconds, copied: false };
  const dir = join(ctx.tmpDir, 'models-batching');
  await cp(ctx.modelsDir, dir, { recursive: true });
  config.dynamic_batching = { max_queue_delay_microseconds: BENCH_QUEUE_DELAY_MICROS };
  await writeFile(join(dir, 'mnist', 'config.json'), JSON.stringify(config, null, 2));
  return { dir, delay: BENCH_QUEUE_DELAY_MICROS, copied: true };
}

/** Single-row cache-miss requests at 64 connections, dynamic batching off then on (DESIGN.md: on ≥ 2× off). */
export async function batchingRows(ctx: SuiteContext, env: Record<string, string>, server: string): Promise<void> {
  const conns = ctx.plan.batchingConnections;
  const scenario = (on: boolean, note: string) => `/score cache-miss, 1 digit/request, ${conns} conns, dynamic batching ${on ? 'on' : 'off'}${note}`;
  await attempt(ctx, 'batching off row', () =>
    withServer(
      () => startOurs(ctx, { ...env, BATCHING: 'off' }),
      async (s) => {
        const { r, outcome } = await measured(ctx, s, { url: `${s.url}/score`, connections: conns, format: 'aml', rowsPerRequest: 1, mode: 'miss' });
        ctx.rows.push(loadRow('batching-off:ours', scenario(false, ''), server, r, { note: `BATCHING=off; ${outcome}` }));
        ctx.log(`batching off: ${Math.round(r.rps)} req/s`);
      },
    ),
  );
  await attempt(ctx, 'batching on row', async () => {
    const repo = await batchingRepository(ctx);
    await withServer(
      () => startOurs(ctx, { ...env, BATCHING: 'config', MODEL_REPOSITORY: repo.dir }),
      async (s) => {
        const { r, outcome } = await measured(ctx, s, { url: `${s.url}/score`, connections: conns, format: 'aml', rowsPerRequest: 1, mode: 'miss' });
        const where = repo.copied ? 'added to a copy of the config' : 'models/mnist/config.json';
        ctx.rows.push(
          loadRow('batching-on:ours', scenario(true, ''), server, r, {
            note: `max_queue_delay_microseconds ${repo.delay} (${where}); ${outcome}`,
            against: [{ id: 'batching-off:ours', label: 'batching off', as: 'factor' }],
          }),
        );
        ctx.log(`batching on: ${Math.round(r.rps)} req/s`);
      },
    );
  });
}

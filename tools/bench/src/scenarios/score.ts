import { peakRssBytes } from '../machine.js';
import type { Against } from '../results.js';
import { serverScript, startChildServer, type ChildServer } from '../servers/child-server.js';
import { startOurs } from '../servers/ours.js';
import { startPeer } from '../servers/peer.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { measureHttp } from './http-load.js';
import { measured } from './measured.js';
import { withServer } from '../servers/with-server.js';
import { loadRow, skippedRow } from './row.js';

export type ScoreMode = 'hit' | 'miss';
export const MODES: ScoreMode[] = ['hit', 'miss'];

export const SERVERS = {
  bare: 'bare Node http (parse only)',
  peer: 'peer: Flask + gunicorn -w 2',
  ours: 'ours: local host ×2 workers, Redis',
  oursL1: 'ours: local host ×2 workers, Redis + L1',
  ours1: 'ours: local host, 1 process, Redis',
  npmstart: 'ours: npm start (its defaults)',
} as const;

export type ServerKey = keyof typeof SERVERS;

export function scoreScenario(mode: ScoreMode, connections: number): string {
  return `/score cache-${mode}, 1 digit/request, ${connections} conns`;
}

export function scoreId(mode: ScoreMode, server: ServerKey): string {
  return `score-${mode}:${server}`;
}

function against(mode: ScoreMode): Against[] {
  return [
    { id: scoreId(mode, 'peer'), label: 'peer', as: 'factor' },
    { id: scoreId(mode, 'bare'), label: 'bare Node', as: 'percent' },
  ];
}

/** One /score row per mode against `server`; ours also reports the x-cache outcomes its metrics counted. */
async function scoreRows(
  ctx: SuiteContext,
  key: ServerKey,
  server: ChildServer,
  ours: boolean,
): Promise<void> {
  for (const mode of MODES) {
    const load = {
      url: `${server.url}/score`,
      connections: ctx.plan.connections,
      format: 'aml' as const,
      rowsPerRequest: 1,
      mode,
    };
    const { r, outcome } = ours
      ? await measured(ctx, server, load)
      : { r: await measureHttp(ctx.http, load), outcome: undefined };
    const note = key === 'bare' ? 'no model, no cache: JSON.parse and `[7]`' : outcome;
    ctx.rows.push(
      loadRow(scoreId(mode, key), scoreScenario(mode, ctx.plan.connections), SERVERS[key], r, {
        note,
        against: ours ? against(mode) : undefined,
      }),
    );
    ctx.log(
      `${scoreId(mode, key)}: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms} ms${note ? ` (${note})` : ''}`,
    );
  }
}

export async function bareRows(ctx: SuiteContext): Promise<void> {
  await attempt(ctx, 'bare Node rows', () =>
    withServer(
      () => startChildServer(serverScript('bare-node-server.ts'), { cwd: ctx.repoRoot, env: process.env }),
      (s) => scoreRows(ctx, 'bare', s, false),
    ),
  );
}

export async function peerRows(
  ctx: SuiteContext,
  peer: { dir: string; model: string; redisPort: number } | { skipped: string },
): Promise<void> {
  if ('skipped' in peer) {
    for (const mode of MODES)
      ctx.rows.push(
        skippedRow(
          scoreId(mode, 'peer'),
          scoreScenario(mode, ctx.plan.connections),
          SERVERS.peer,
          peer.skipped,
        ),
      );
    return;
  }
  await attempt(ctx, 'peer rows', () =>
    withServer(
      () => startPeer(peer.dir, peer.model, peer.redisPort),
      (s) => scoreRows(ctx, 'peer', s, false),
    ),
  );
}

export interface PeakRss {
  bytes: number;
  processes: number;
  /** Each process's own peak, MiB, primary first. */
  eachMiB: number[];
}

/** Ours with the given settings; returns the peak RSS of its processes once its rows are done. */
export async function ourScoreRows(
  ctx: SuiteContext,
  key: 'ours' | 'oursL1' | 'ours1',
  env: Record<string, string>,
  more?: (s: ChildServer) => Promise<void>,
): Promise<PeakRss | undefined> {
  let rss: PeakRss | undefined;
  await attempt(ctx, `${SERVERS[key]} rows`, () =>
    withServer(
      () => startOurs(ctx, env),
      async (s) => {
        await scoreRows(ctx, key, s, true);
        if (more) await more(s);
        const pids = [...new Set([s.pid, ...s.pids])];
        const each = pids.map(peakRssBytes);
        if (each.every((b) => b !== undefined)) {
          rss = {
            bytes: each.reduce((a, b) => a + b, 0),
            processes: pids.length,
            eachMiB: each.map((b) => Math.round(b / 2 ** 20)),
          };
        }
      },
    ),
  );
  return rss;
}

import { spawn } from 'node:child_process';
import { findFreePort, killOnExit, stopChild } from '@modelfn/dev-processes';
import { renderTextPage, textLine, type TextPage } from '@modelfn/model-builder';
import { bodyText } from '../bodies.js';
import { describeTree, treeRss } from '../proc-rss.js';
import type { Measured } from '../results.js';
import type { ChildServer } from '../servers/child-server.js';
import {
  BARE_ORT_SCRIPT,
  buildPackage,
  PACKAGED_SERVER_SCRIPT,
  packagedEnv,
  startPackaged,
  templateNodeArguments,
} from '../servers/packaged.js';
import { withServer } from '../servers/with-server.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { measured } from './measured.js';
import { skippedRow } from './row.js';

/** Pages of the OCR burst, all sent at once (issue 28: "20 concurrent OCR pages that miss"). */
const BURST_PAGES = 20;
const LINES = 6;
const MiB = 2 ** 20;
const mib = (b: number) => Math.round(b / MiB);

export const PACKAGED_SERVER = 'ours: score-http package, 1 plain Node process (its default threads)';
const PACKAGED_MNIST = `${PACKAGED_SERVER.replace(' (its default threads)', '')}, MODELS=mnist`;
const BARE_ORT = 'bare: onnxruntime-node + mnist session + node:http, 1 process';

const ROWS = {
  idleAll: ['packaged-idle:all', 'Idle RSS (VmRSS) once every model is warm: mnist and OCR', PACKAGED_SERVER],
  idleMnist: [
    'packaged-idle:mnist',
    'Idle RSS (VmRSS) once every model is warm: MODELS=mnist',
    PACKAGED_MNIST,
  ],
  burst: [
    'packaged-ocr-burst:all',
    `Peak RSS (VmHWM) under ${BURST_PAGES} concurrent OCR pages that miss, from idle`,
    PACKAGED_SERVER,
  ],
  missMnist: ['packaged-miss:mnist', 'Peak RSS (VmHWM) under the /score cache-miss load', PACKAGED_MNIST],
  coldAll: ['cold-start:packaged', 'Cold start: process spawn → first 200 mnist answer', PACKAGED_SERVER],
  coldMnist: [
    'cold-start:packaged-mnist',
    'Cold start: process spawn → first 200 mnist answer',
    PACKAGED_MNIST,
  ],
  coldBare: ['cold-start:bare-ort', 'Cold start: process spawn → first 200 mnist answer', BARE_ORT],
} as const satisfies Record<string, readonly [string, string, string]>;

type RowKey = keyof typeof ROWS;

function push(ctx: SuiteContext, key: RowKey, row: Omit<Measured, 'id' | 'scenario' | 'server'>): void {
  const [id, scenario, server] = ROWS[key];
  ctx.rows.push({ id, scenario, server, ...row });
}

/** Polls GET /v2/health/ready until every model version is loaded and warm (200). */
async function waitUntilReady(url: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const res = await fetch(`${url}/v2/health/ready`);
    const text = await res.text();
    if (res.status === 200) return;
    if (performance.now() > deadline) throw new Error(`not ready after 120 s: ${res.status} ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Idle RSS: once ready, after a pause, so start-up's garbage has had its collections. */
async function idleRow(ctx: SuiteContext, s: ChildServer, key: 'idleAll' | 'idleMnist'): Promise<void> {
  const readyAfter = performance.now();
  await waitUntilReady(s.url);
  const readyMs = performance.now() - readyAfter + s.startMs;
  await new Promise((r) => setTimeout(r, 2000));
  const t = treeRss(s.pid);
  push(ctx, key, {
    throughput: t.rssBytes / MiB,
    unit: 'MiB',
    note: `${describeTree(t.processes, 'rssBytes')}; peak so far (VmHWM) ${mib(t.hwmBytes)} MiB; every model ready ${Math.round(readyMs)} ms after spawn`,
  });
  ctx.log(`${ROWS[key][0]}: ${mib(t.rssBytes)} MiB (peak ${mib(t.hwmBytes)} MiB)`);
}

async function burstPages(): Promise<TextPage[]> {
  return Promise.all(
    Array.from({ length: BURST_PAGES }, (_, p) =>
      renderTextPage(
        `burst-${p}`,
        Array.from({ length: LINES }, (_, l) => textLine(70_000 + p * LINES + l)),
      ),
    ),
  );
}

/** Every page at once, each a miss (`cache-control: no-cache`), on the idle process. */
async function burstRow(ctx: SuiteContext, s: ChildServer, pages: TextPage[]): Promise<void> {
  const started = performance.now();
  const statuses = await Promise.all(
    pages.map(async (page) => {
      const res = await fetch(`${s.url}/score`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'x-model': 'ocr', 'cache-control': 'no-cache' },
        body: page.png,
      });
      await res.arrayBuffer();
      return res.status;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ok = statuses.filter((x) => x === 200).length;
  const t = treeRss(s.pid);
  const others = statuses.filter((x) => x !== 200);
  push(ctx, 'burst', {
    // A peak with failed pages is not the peak of the burst the row names.
    throughput: ok === pages.length ? t.hwmBytes / MiB : undefined,
    unit: 'MiB',
    note:
      `${describeTree(t.processes, 'hwmBytes')}; ${ok}/${pages.length} pages 200 in ${seconds.toFixed(1)} s` +
      `${others.length ? ` (others: ${others.join(', ')})` : ''}; ${LINES} lines/page; RSS after ${mib(t.rssBytes)} MiB`,
  });
  ctx.log(
    `packaged OCR burst: peak ${mib(t.hwmBytes)} MiB, ${ok}/${pages.length} pages in ${seconds.toFixed(1)} s`,
  );
}

/** The /score miss load of the headline rows (the plan's duration and connections) on a mnist-only app. */
async function missRow(ctx: SuiteContext, s: ChildServer): Promise<void> {
  const { r, outcome } = await measured(ctx, s, {
    url: `${s.url}/score`,
    connections: ctx.plan.connections,
    format: 'aml',
    rowsPerRequest: 1,
    mode: 'miss',
  });
  const t = treeRss(s.pid);
  push(ctx, 'missMnist', {
    throughput: t.hwmBytes / MiB,
    unit: 'MiB',
    note:
      `${describeTree(t.processes, 'hwmBytes')}; ${Math.round(r.rps).toLocaleString('en-US')} req/s, p99 ${r.p99Ms} ms, ` +
      `${ctx.plan.connections} conns${r.errors ? `, ${r.errors} errors of ${r.requests}` : ''}; ${outcome}; RSS after ${mib(t.rssBytes)} MiB`,
  });
  ctx.log(`packaged mnist miss load: peak ${mib(t.hwmBytes)} MiB, ${Math.round(r.rps)} req/s`);
}

/**
 * Spawn → first 200 from POST /score with one digit as JSON; `script` is plain JavaScript, run by plain Node
 * with `nodeArgs`.
 */
async function coldStartMs(
  ctx: SuiteContext,
  script: string,
  dir: string,
  overrides: Record<string, string>,
  nodeArgs: readonly string[],
): Promise<number> {
  const port = await findFreePort();
  const body = bodyText(
    { format: 'aml', rowsPerRequest: 1, mode: 'hit', distinct: 1, salt: 98, tails: ctx.tails },
    0,
    0,
  );
  const started = performance.now();
  const server = spawn(process.execPath, [...nodeArgs, script, dir], {
    cwd: ctx.tmpDir,
    env: packagedEnv(ctx, { ...overrides, PORT: String(port) }),
    stdio: 'ignore',
  });
  killOnExit(server);
  try {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/score`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      }).catch(() => undefined);
      if (res) {
        const text = await res.text();
        if (res.ok) {
          const ms = performance.now() - started;
          if (!/^\[\d\]$/.test(text.trim()))
            throw new Error(`the first answer is not a digit: ${text.slice(0, 200)}`);
          return ms;
        }
      }
      if (server.exitCode !== null) throw new Error(`${script} exited (${server.exitCode}) before answering`);
      if (performance.now() - started > 60_000) throw new Error('no 200 within 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await stopChild(server);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The packaged app and the floor, interleaved (one of each in turn), so that drift hits both alike. */
async function coldStartRows(
  ctx: SuiteContext,
  dir: string,
  settings: Record<string, string>,
  nodeArgs: readonly string[],
): Promise<void> {
  // The floor runs with Node's defaults; the package with the template's worker arguments.
  const runs: [RowKey, string, Record<string, string>, readonly string[]][] = [
    ['coldBare', BARE_ORT_SCRIPT, {}, []],
    ['coldAll', PACKAGED_SERVER_SCRIPT, settings, nodeArgs],
    ['coldMnist', PACKAGED_SERVER_SCRIPT, { ...settings, MODELS: 'mnist' }, nodeArgs],
  ];
  const times = new Map<RowKey, number[]>(runs.map(([k]) => [k, []]));
  // One unmeasured start of each first: the files' pages come from the disk once, then from the page cache,
  // as on an instance whose package was mounted before the first request.
  for (const [, script, env, args] of runs) await coldStartMs(ctx, script, dir, env, args);
  for (let i = 0; i < ctx.plan.coldStarts; i++)
    for (const [key, script, env, args] of runs)
      times.get(key)!.push(await coldStartMs(ctx, script, dir, env, args));
  for (const [key] of runs) {
    const t = times.get(key)!;
    push(ctx, key, {
      throughput: median(t),
      unit: 'ms',
      note: `median of ${t.length} (${Math.round(Math.min(...t))}–${Math.round(Math.max(...t))} ms), interleaved with the other cold-start rows after one unmeasured start each; plain node, no tsx`,
      against: key === 'coldBare' ? undefined : [{ id: ROWS.coldBare[0], label: 'bare', as: 'factor' }],
    });
    ctx.log(`${ROWS[key][0]}: ${t.map((x) => Math.round(x)).join(', ')} ms`);
  }
}

/**
 * Issue 28: the HTTP app as Azure runs it — the score-http package built from this checkout, unpacked, in one
 * plain Node process with its default threads — its memory idle, under an OCR burst and (mnist only) under
 * the /score miss load, and its cold start against a bare onnxruntime server. Full bench only: building
 * and packaging alone take longer than --quick's whole budget for a row.
 */
export async function packagedRows(
  ctx: SuiteContext,
  /** A package already built (else one is built); app settings for every process of the rows (a trial). */
  opts: { packageDir?: string; settings?: Record<string, string> } = {},
): Promise<void> {
  const keys = Object.keys(ROWS) as RowKey[];
  const skipAll = (why: string) => {
    for (const k of keys) {
      const [id, scenario, server] = ROWS[k];
      if (!ctx.rows.some((r) => r.id === id)) ctx.rows.push(skippedRow(id, scenario, server, why));
    }
  };
  if (ctx.plan.quick) return skipAll('full bench only (it builds and packages the app)');
  let dir = opts.packageDir;
  if (!dir)
    await attempt(ctx, 'packaging score-http', async () => {
      ctx.log('packaged rows: building and packaging score-http...');
      dir = await buildPackage(ctx);
    });
  if (!dir) return skipAll('packaging failed (see notes)');
  const pkg = dir;
  const settings = opts.settings ?? {};
  const nodeArgs = templateNodeArguments(ctx.repoRoot);
  if (nodeArgs.length)
    ctx.notes.push(
      `The packaged processes ran with the Node arguments the azd template gives the worker: ${nodeArgs.join(' ')}.`,
    );
  if (Object.keys(settings).length) {
    const named = Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    ctx.notes.push(`The packaged rows ran with ${named} in every packaged process (a trial).`);
  }
  const pages = await burstPages();
  await attempt(ctx, 'packaged rows (mnist and OCR)', () =>
    withServer(
      () => startPackaged(ctx, pkg, settings, nodeArgs),
      async (s) => {
        await idleRow(ctx, s, 'idleAll');
        await burstRow(ctx, s, pages);
      },
    ),
  );
  await attempt(ctx, 'packaged rows (MODELS=mnist)', () =>
    withServer(
      () => startPackaged(ctx, pkg, { ...settings, MODELS: 'mnist' }, nodeArgs),
      async (s) => {
        await idleRow(ctx, s, 'idleMnist');
        await missRow(ctx, s);
      },
    ),
  );
  await attempt(ctx, 'packaged cold starts', () => coldStartRows(ctx, pkg, settings, nodeArgs));
  skipAll('failed (see notes)');
}

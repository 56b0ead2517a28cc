import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { findFreePort, killOnExit, stopChild } from '@modelfn/dev-processes';
import { bodyText } from '../bodies.js';
import { markedJson, runCaptured } from '../load/spawn-capture.js';
import { OUR_SERVER_SCRIPT, ourEnv } from '../servers/ours.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { RESULT_MARK } from '../load/wrk-script.js';
import { skippedRow } from './row.js';
import type { PeakRss } from './score.js';

const child = (name: string) => fileURLToPath(new URL(`../children/${name}`, import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Spawn → first 200 from POST /score with one digit: node + tsx start, models loaded, server listening (in
 * the first of `workers` cluster workers when there are several).
 */
async function coldStartMs(ctx: SuiteContext, env: Record<string, string>, workers: number): Promise<number> {
  const port = await findFreePort();
  const body = bodyText(
    { format: 'aml', rowsPerRequest: 1, mode: 'hit', distinct: 1, salt: 99, tails: ctx.tails },
    0,
    0,
  );
  const started = performance.now();
  const server = spawn(process.execPath, ['--import', 'tsx', OUR_SERVER_SCRIPT], {
    cwd: ctx.repoRoot,
    env: ourEnv(ctx, { ...env, PORT: String(port), LOCAL_HOST_WORKERS: String(workers) }),
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
        await res.arrayBuffer();
        if (res.ok) return performance.now() - started;
      }
      if (server.exitCode !== null)
        throw new Error(`the server exited (${server.exitCode}) before answering`);
      if (performance.now() - started > 60_000) throw new Error('no 200 within 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await stopChild(server);
  }
}

const COLD_START_SCENARIO = 'Cold start: process spawn → first 200 from POST /score';

/** One process, and two cluster workers as `npm start` runs by default (the primary forks, then they load). */
const COLD_STARTS = [
  { id: 'cold-start:ours', workers: 1, server: 'ours: local host, 1 process' },
  { id: 'cold-start:ours-2', workers: 2, server: 'ours: local host ×2 workers (npm start default)' },
] as const;

function coldStartRow({ id, workers, server }: (typeof COLD_STARTS)[number]) {
  return async (ctx: SuiteContext, env: Record<string, string>): Promise<void> => {
    const times: number[] = [];
    for (let i = 0; i < ctx.plan.coldStarts; i++) times.push(await coldStartMs(ctx, env, workers));
    const min = Math.min(...times);
    const max = Math.max(...times);
    ctx.rows.push({
      id,
      scenario: COLD_START_SCENARIO,
      server,
      throughput: median(times),
      unit: 'ms',
      note: `median of ${times.length} (${Math.round(min)}–${Math.round(max)} ms); node --import tsx (transpiles TypeScript on start), onnxruntime + model load, Redis connect`,
    });
    ctx.log(`cold start, ${workers} process(es): ${times.map((t) => Math.round(t)).join(', ')} ms`);
  };
}

/** Runs a measuring child (`children/<script> <n>`) and returns the figures it prints after RESULT_MARK. */
async function childFigures<T>(
  ctx: SuiteContext,
  env: Record<string, string>,
  script: string,
  n: number,
  what: string,
): Promise<T> {
  const out = await runCaptured(process.execPath, ['--import', 'tsx', child(script), String(n)], {
    cwd: ctx.repoRoot,
    env: ourEnv(ctx, env),
    timeoutMs: 300_000,
  });
  const f = markedJson<T>(out.stdout, RESULT_MARK);
  if (out.code !== 0 || !f)
    throw new Error(`${what} child failed (exit ${out.code}): ${out.stderr.slice(-1500)}`);
  return f;
}

interface BlobFigures {
  count: number;
  handled: number;
  results: number;
  seconds: number;
  uploadedS: number;
  pollIntervalMs: number;
  parallelism: number;
  /** CPU seconds while the clock ran: this host (blob source, scoring and the uploads) and Azurite. */
  cpu: { oursS: number; azuriteS?: number };
}

function cpuNote(f: BlobFigures): string {
  const azurite =
    f.cpu.azuriteS === undefined ? 'Azurite not measured' : `Azurite ${f.cpu.azuriteS.toFixed(1)} s`;
  const cores = availableParallelism();
  return `CPU in that time: ${azurite}, blob host with the uploads ${f.cpu.oursS.toFixed(1)} s (${cores} cores: ${(cores * f.seconds).toFixed(1)} s)`;
}

async function blobRow(ctx: SuiteContext, env: Record<string, string>): Promise<void> {
  const n = ctx.plan.blobImages;
  const f = await childFigures<BlobFigures>(ctx, env, 'blob-child.ts', n, 'blob');
  ctx.rows.push({
    id: 'blob:ours',
    scenario: `Blob trigger: ${n} PNG digits, upload → result blob`,
    server: 'ours: local host blob source + Azurite',
    throughput: f.results === n ? n / f.seconds : undefined,
    unit: 'images/s',
    note:
      `${f.results}/${n} results in ${f.seconds.toFixed(2)} s (uploads done at ${f.uploadedS.toFixed(2)} s); ` +
      `poll ${f.pollIntervalMs} ms, parallelism ${f.parallelism}; every image a cache miss; ${cpuNote(f)}`,
  });
  ctx.log(`blob: ${Math.round(n / f.seconds)} images/s`);
}

interface ServiceBusFigures {
  count: number;
  replies: number;
  errors: number;
  seconds: number;
  concurrentCalls: number;
  batchSize: number;
}

async function serviceBusRow(ctx: SuiteContext, env: Record<string, string>): Promise<void> {
  const n = ctx.plan.serviceBusMessages;
  const f = await childFigures<ServiceBusFigures>(ctx, env, 'servicebus-child.ts', n, 'Service Bus');
  ctx.rows.push({
    id: 'servicebus:ours',
    scenario: `Service Bus: ${n} JSON messages, send → reply received`,
    server: 'ours: local host SB source + emulator',
    throughput: f.replies === n && f.errors === 0 ? n / f.seconds : undefined,
    unit: 'msg/s',
    note:
      `${f.replies}/${n} replies (${f.errors} errors) in ${f.seconds.toFixed(2)} s; maxConcurrentCalls ${f.concurrentCalls}, ` +
      `batch ${f.batchSize}; emulator, app and client in one process; every message a cache miss`,
  });
  ctx.log(`service bus: ${Math.round(n / f.seconds)} msg/s`);
}

/** Peak RSS (measured by the caller after the HTTP rows), cold start, blob and Service Bus. */
export async function processRows(
  ctx: SuiteContext,
  env: Record<string, string>,
  rss: PeakRss | undefined,
): Promise<void> {
  ctx.rows.push({
    id: 'rss:ours',
    scenario: 'Peak RSS (VmHWM) after the /score, v2 and batch rows',
    server: 'ours: local host ×2 workers, Redis',
    throughput: rss === undefined ? undefined : rss.bytes / 2 ** 20,
    unit: 'MiB',
    note:
      rss && rss.processes > 1
        ? `sum of ${rss.processes} processes: cluster primary ${rss.eachMiB[0]} MiB + workers ${rss.eachMiB.slice(1).join(' + ')} MiB (each under tsx)`
        : undefined,
  });
  for (const [what, id, scenario, server, fn] of [
    ...COLD_STARTS.map(
      (r) => [`cold start (${r.workers})`, r.id, COLD_START_SCENARIO, r.server, coldStartRow(r)] as const,
    ),
    [
      'blob',
      'blob:ours',
      'Blob trigger: PNG digits, upload → result blob',
      'ours: local host blob source + Azurite',
      blobRow,
    ],
    [
      'Service Bus',
      'servicebus:ours',
      'Service Bus: JSON messages, send → reply received',
      'ours: local host SB source + emulator',
      serviceBusRow,
    ],
  ] as const) {
    const before = ctx.rows.length;
    await attempt(ctx, what, () => fn(ctx, env));
    if (ctx.rows.length === before)
      ctx.rows.push(skippedRow(id, scenario, server, `${what} failed (see notes)`));
  }
}

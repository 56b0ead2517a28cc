import { renderTextPage, textLine, type TextPage } from '@modelfn/model-builder';
import type { Measured } from '../results.js';
import { startNpmStart } from '../servers/npm-start.js';
import { startOurs } from '../servers/ours.js';
import { withServer } from '../servers/with-server.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { measured } from './measured.js';
import { loadRow } from './row.js';
import { MODES, scoreId, scoreScenario, SERVERS, type ScoreMode } from './score.js';

/** Clients reading OCR pages while the mnist rows run (the issue's "4 clients send OCR pages"). */
const OCR_CLIENTS = 4;
const LINES = 6;

/** OCR pages that always miss (`cache-control: no-cache`), sent by `clients` loops until stopped. */
function ocrLoad(url: string, pages: TextPage[], clients: number) {
  let stop = false;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let k = c; !stop; k++) {
      const t = performance.now();
      const res = await fetch(`${url}/score`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'x-model': 'ocr', 'cache-control': 'no-cache' },
        body: pages[k % pages.length].png,
      });
      await res.arrayBuffer();
      if (res.status === 200) latencies.push(performance.now() - t);
      else errors++;
    }
  });
  return {
    async end(): Promise<{ pagesPerS: number; latencies: number[]; errors: number }> {
      stop = true;
      await Promise.all(loops);
      return { pagesPerS: (latencies.length / (performance.now() - started)) * 1000, latencies, errors };
    },
  };
}

function pagesRow(
  id: string,
  scenario: string,
  server: string,
  r: Awaited<ReturnType<ReturnType<typeof ocrLoad>['end']>>,
  against?: Measured['against'],
): Measured {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
  return {
    id,
    scenario,
    server,
    throughput: r.pagesPerS,
    unit: 'pages/s',
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    note: `${r.latencies.length} pages${r.errors ? `, ${r.errors} errors` : ''}`,
    against,
  };
}

async function pages(count: number): Promise<TextPage[]> {
  return Promise.all(
    Array.from({ length: count }, (_, p) =>
      renderTextPage(
        `offloop-${p}`,
        Array.from({ length: LINES }, (_, l) => textLine(50_000 + p * LINES + l)),
      ),
    ),
  );
}

/**
 * What users run (`npm start`): mnist /score rows against the peer and bare Node, then the cache-hit row
 * again while OCR pages that miss keep the model busy — a run in the event-loop thread would show in the
 * hits' p99 as the 26–116 ms a PP-OCRv4 run takes.
 */
export async function npmStartRows(ctx: SuiteContext): Promise<void> {
  const ocrPages = await pages(4);
  await attempt(ctx, 'npm start rows', () =>
    withServer(
      () => startNpmStart(ctx.repoRoot),
      async (s) => {
        ctx.log(`npm start ready in ${Math.round(s.startMs)} ms`);
        for (const mode of MODES) await scoreRow(ctx, s, mode);
        const load = ocrLoad(s.url, ocrPages, OCR_CLIENTS);
        // The OCR clients reach their steady state before the measured run starts.
        await new Promise((r) => setTimeout(r, 1000));
        const { r, outcome } = await measured(ctx, s, {
          url: `${s.url}/score`,
          connections: ctx.plan.connections,
          format: 'aml',
          rowsPerRequest: 1,
          mode: 'hit',
        });
        const ocr = await load.end();
        ctx.rows.push(
          loadRow(
            'hit-under-ocr:npmstart',
            `${scoreScenario('hit', ctx.plan.connections)}, while ${OCR_CLIENTS} clients read OCR pages that miss`,
            SERVERS.npmstart,
            r,
            {
              note: `${outcome}; OCR meanwhile ${ocr.pagesPerS.toFixed(2)} pages/s, p99 ${Math.round(ocr.latencies.at(-1) ?? 0)} ms`,
              against: [{ id: scoreId('hit', 'npmstart'), label: 'no OCR load', as: 'percent' }],
            },
          ),
        );
        ctx.log(
          `hit under OCR: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms} ms; OCR ${ocr.pagesPerS.toFixed(2)} pages/s`,
        );
      },
    ),
  );
}

async function scoreRow(
  ctx: SuiteContext,
  s: Awaited<ReturnType<typeof startNpmStart>>,
  mode: ScoreMode,
): Promise<void> {
  const { r, outcome } = await measured(ctx, s, {
    url: `${s.url}/score`,
    connections: ctx.plan.connections,
    format: 'aml',
    rowsPerRequest: 1,
    mode,
  });
  ctx.rows.push(
    loadRow(scoreId(mode, 'npmstart'), scoreScenario(mode, ctx.plan.connections), SERVERS.npmstart, r, {
      note: outcome,
      against: [
        { id: scoreId(mode, 'peer'), label: 'peer', as: 'factor' },
        { id: scoreId(mode, 'bare'), label: 'bare Node', as: 'percent' },
      ],
    }),
  );
  ctx.log(`${scoreId(mode, 'npmstart')}: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms} ms (${outcome})`);
}

/**
 * OCR pages that all miss, in one process: the entry script and the models' runs in threads of their own
 * against all of it in the event-loop thread.
 */
export async function ocrPoolRows(ctx: SuiteContext): Promise<void> {
  const ocrPages = await pages(4);
  const seconds = ctx.plan.quick ? 2 : 15;
  const scenario = `OCR pages that miss, ${LINES} lines/page, ${OCR_CLIENTS} clients, 1 process`;
  for (const [id, threads, server] of [
    ['ocr-miss:inline', '0', 'ours: one thread (INFERENCE_THREADS=0, ENTRY_SCRIPT_THREADS=0)'],
    ['ocr-miss:pool', '2', 'ours: script and inference threads, 2 each'],
  ] as const) {
    await attempt(ctx, id, () =>
      withServer(
        () =>
          startOurs(ctx, {
            LOCAL_HOST_WORKERS: '1',
            INFERENCE_THREADS: threads,
            ENTRY_SCRIPT_THREADS: threads,
          }),
        async (s) => {
          // Sessions and OpenCV warm before the measured run.
          const warm = await fetch(`${s.url}/score`, {
            method: 'POST',
            headers: { 'content-type': 'image/png', 'x-model': 'ocr' },
            body: ocrPages[0].png,
          });
          if (warm.status !== 200)
            throw new Error(`OCR warm-up page: HTTP ${warm.status} ${await warm.text()}`);
          const load = ocrLoad(s.url, ocrPages, OCR_CLIENTS);
          await new Promise((r) => setTimeout(r, seconds * 1000));
          const r = await load.end();
          ctx.rows.push(
            pagesRow(
              id,
              scenario,
              server,
              r,
              id === 'ocr-miss:pool' ? [{ id: 'ocr-miss:inline', label: 'inline', as: 'factor' }] : undefined,
            ),
          );
          ctx.log(`${id}: ${r.pagesPerS.toFixed(2)} pages/s`);
        },
      ),
    );
  }
}

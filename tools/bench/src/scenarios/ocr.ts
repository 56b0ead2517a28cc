import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderTextPage, textLine, type TextPage } from '@modelfn/model-builder';
import type { Measured } from '../results.js';
import { startOurs } from '../servers/ours.js';
import { withServer } from '../servers/with-server.js';
import { attempt, type SuiteContext } from '../suite-context.js';

const LINES_PER_PAGE = 6;
/** Clients sending pages at once: enough to keep both HTTP workers busy. */
const CLIENTS = 2;

interface Timed {
  wallMs: number;
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

function row(
  id: string,
  scenario: string,
  server: string,
  t: Timed,
  note: string,
  against?: Measured['against'],
): Measured {
  const sorted = [...t.latencies].sort((a, b) => a - b);
  return {
    id,
    scenario,
    server,
    throughput: (t.latencies.length / t.wallMs) * 1000,
    unit: 'pages/s',
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    note,
    against,
  };
}

/** Sends every page once, `clients` at a time, and times each request. */
async function sendAll(url: string, pages: TextPage[], clients: number, seen: Set<string>): Promise<Timed> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const client = async () => {
    while (next < pages.length) {
      const page = pages[next++];
      const t = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'x-model': 'ocr' },
        body: page.png,
      });
      const body = (await res.json()) as { text?: string };
      if (res.status !== 200 || typeof body.text !== 'string') {
        throw new Error(`OCR page ${page.name}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
      seen.add(res.headers.get('x-cache') ?? 'none');
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { wallMs: performance.now() - start, latencies };
}

/** The same pages through @gutenye/ocr-node (same PP-OCRv4 models) in this process, one after another. */
async function ocrNode(ctx: SuiteContext, pages: TextPage[]): Promise<Timed> {
  const { default: Ocr } = (await import('@gutenye/ocr-node')) as {
    default: { create(): Promise<{ detect(path: string): Promise<unknown[]> }> };
  };
  const ocr = await Ocr.create();
  const paths = await Promise.all(
    pages.map(async (p) => {
      const path = join(ctx.tmpDir, `${p.name}.png`);
      await writeFile(path, p.png);
      return path;
    }),
  );
  await ocr.detect(paths[0]); // its sessions warm, as ours are after their first page
  const latencies: number[] = [];
  const start = performance.now();
  for (const path of paths) {
    const t = performance.now();
    await ocr.detect(path);
    latencies.push(performance.now() - t);
  }
  return { wallMs: performance.now() - start, latencies };
}

/**
 * OCR pages over HTTP (`POST /score`, `x-model: ocr`, the local host as `npm start` runs it, Redis) against
 * `@gutenye/ocr-node` in process, on the same rendered pages: cold pages (every line new), the same pages
 * again (whole-page cache hits), and pages sharing half their lines with earlier ones (per-line hits).
 */
export async function ocrRows(ctx: SuiteContext, env: Record<string, string>): Promise<void> {
  const count = ctx.plan.quick ? 4 : 16;
  const cold = await Promise.all(
    Array.from({ length: count }, (_, p) =>
      renderTextPage(
        `cold-${p}`,
        Array.from({ length: LINES_PER_PAGE }, (_, l) => textLine(p * LINES_PER_PAGE + l)),
      ),
    ),
  );
  // Half of each page's lines from a cold page, the other half never seen.
  const fresh = count * LINES_PER_PAGE;
  const half = await Promise.all(
    cold.map((page, p) =>
      renderTextPage(`half-${p}`, [
        ...page.lines.slice(0, LINES_PER_PAGE / 2),
        ...Array.from({ length: LINES_PER_PAGE / 2 }, (_, l) => textLine(fresh + p * LINES_PER_PAGE + l)),
      ]),
    ),
  );
  const server = `ours: local host ×${env.LOCAL_HOST_WORKERS ?? 1} workers, Redis, ${CLIENTS} clients`;
  const scenario = (what: string) => `OCR ${what}, ${LINES_PER_PAGE} lines/page (PP-OCRv4 det + rec)`;
  await attempt(ctx, 'OCR rows', async () => {
    const library = await ocrNode(ctx, cold);
    ctx.rows.push(
      row(
        'ocr-cold:library',
        scenario('cold pages'),
        '@gutenye/ocr-node, in process, 1 client',
        library,
        'same models, same pages',
      ),
    );
    ctx.log(`ocr-node: ${((cold.length / library.wallMs) * 1000).toFixed(2)} pages/s`);
    await withServer(
      () => startOurs(ctx, env),
      async (s) => {
        const url = `${s.url}/score`;
        // One page first, unmeasured: sessions and OpenCV warm, like the library's warm-up page.
        await sendAll(url, [await renderTextPage('warm-up', [textLine(10_000_000)])], 1, new Set());
        const seen = new Set<string>();
        const coldRun = await sendAll(url, cold, CLIENTS, seen);
        const vsLibrary = [{ id: 'ocr-cold:library', label: 'ocr-node', as: 'factor' as const }];
        ctx.rows.push(
          row(
            'ocr-cold:ours',
            scenario('cold pages (every line a miss)'),
            server,
            coldRun,
            `x-cache: ${[...seen].join(', ')}`,
            vsLibrary,
          ),
        );
        const repeats = Array.from({ length: ctx.plan.quick ? 20 : 200 }, (_, i) => cold[i % cold.length]);
        const hitSeen = new Set<string>();
        const hits = await sendAll(url, repeats, CLIENTS, hitSeen);
        ctx.rows.push(
          row(
            'ocr-hit:ours',
            scenario('repeated pages'),
            server,
            hits,
            `x-cache: ${[...hitSeen].join(', ')}`,
            vsLibrary,
          ),
        );
        const halfSeen = new Set<string>();
        const shared = await sendAll(url, half, CLIENTS, halfSeen);
        ctx.rows.push(
          row(
            'ocr-half:ours',
            scenario('pages sharing half their lines'),
            server,
            shared,
            `x-cache: ${[...halfSeen].join(', ')}`,
            vsLibrary,
          ),
        );
        ctx.log(
          `ocr: cold ${coldRun.latencies.length}, hits ${hits.latencies.length}, half ${shared.latencies.length} pages`,
        );
      },
    );
  });
}

import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { renderTextPage, textLine, type TextPage } from '@modelfn/model-builder';
import type { Measured } from '../results.js';
import { startOurs } from '../servers/ours.js';
import { withServer } from '../servers/with-server.js';
import { attempt, type SuiteContext } from '../suite-context.js';

const LINES = 6;
/** The same OCR model with page orientation off: its own name, everything else the shipped one's. */
const FIXED = 'ocr-fixed';
const IDS = { on: 'ocr-upright-detect:ours', off: 'ocr-upright-fixed:ours' } as const;
const SERVER = 'ours: local host, 1 process, 1 client';

interface Answer {
  text?: string;
  rotation?: number;
}

/**
 * A model repository of two models: `ocr` (the repo's, linked) and `ocr-fixed`, the same script, lib and
 * config.json but `detect_orientation: false`. Both in one server, so the two rows share its process,
 * its warm sessions and the machine's load at the same moments. The packaged ONNX files are resolved from
 * the model's folder up (as Node resolves packages), hence the node_modules link at the top.
 */
async function twoModelRepository(ctx: SuiteContext): Promise<string> {
  const root = join(ctx.tmpDir, 'orientation-models');
  const real = join(ctx.modelsDir, 'ocr');
  const fixed = join(root, FIXED);
  await mkdir(join(fixed, '1'), { recursive: true });
  await symlink(join(ctx.repoRoot, 'node_modules'), join(ctx.tmpDir, 'node_modules'), 'dir');
  await symlink(real, join(root, 'ocr'), 'dir');
  await symlink(join(real, 'score.ts'), join(fixed, 'score.ts'));
  await symlink(join(real, 'lib'), join(fixed, 'lib'), 'dir');
  const config = JSON.parse(await readFile(join(real, 'config.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(fixed, 'config.json'),
    JSON.stringify({ ...config, name: FIXED, detect_orientation: false }, null, 2),
  );
  return root;
}

async function readPage(
  url: string,
  model: string,
  page: TextPage | { name: string; png: Buffer },
  seen?: Set<string>,
): Promise<{ ms: number; answer: Answer }> {
  const t = performance.now();
  // no-cache: every page a cold read by both models (no page or line cache hits), as a new page is.
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'image/png', 'x-model': model, 'cache-control': 'no-cache' },
    body: page.png,
  });
  const answer = (await res.json()) as Answer;
  const ms = performance.now() - t;
  seen?.add(res.headers.get('x-cache') ?? 'none');
  if (res.status !== 200 || typeof answer.text !== 'string') {
    throw new Error(
      `OCR page ${page.name} (${model}): HTTP ${res.status} ${JSON.stringify(answer).slice(0, 200)}`,
    );
  }
  return { ms, answer };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function row(id: string, scenario: string, latencies: number[], note: string, against?: Measured['against']) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
  const total = latencies.reduce((a, b) => a + b, 0);
  return {
    id,
    scenario,
    server: SERVER,
    throughput: (latencies.length / total) * 1000,
    unit: 'pages/s',
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    note,
    against,
  } satisfies Measured;
}

/**
 * What finding a page's orientation costs an upright page: the same upright pages read by the OCR model
 * with `detect_orientation` on (the default: one classifier call on the widest lines) and off, one page at
 * a time, alternating which model reads a page first so neither always meets a warmer or quieter machine.
 */
export async function orientationRows(ctx: SuiteContext): Promise<void> {
  const count = ctx.plan.quick ? 3 : 16;
  const rounds = ctx.plan.quick ? 1 : 2;
  const pages = await Promise.all(
    Array.from({ length: count }, (_, p) =>
      renderTextPage(
        `upright-${p}`,
        Array.from({ length: LINES }, (_, l) => textLine(90_000 + p * LINES + l)),
      ),
    ),
  );
  await attempt(ctx, 'OCR orientation rows', async () => {
    const repository = await twoModelRepository(ctx);
    await withServer(
      () => startOurs(ctx, { LOCAL_HOST_WORKERS: '1', MODEL_REPOSITORY: repository }),
      async (s) => {
        const url = `${s.url}/score`;
        // Sessions and OpenCV warm in both before anything is timed, on a page turned upside down: the rows
        // compare what they say only if one model finds the turn and the other does not look.
        const upsideDown = {
          name: 'upside-down',
          png: await sharp(pages[0].png).rotate(180).png().toBuffer(),
        };
        for (const [model, rotation] of [
          ['ocr', 180],
          [FIXED, 0],
        ] as const) {
          const { answer } = await readPage(url, model, upsideDown);
          if (answer.rotation !== rotation)
            throw new Error(
              `${model} read an upside-down page as turned ${answer.rotation}°, not ${rotation}°`,
            );
        }
        const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
        const seen = new Set<string>();
        let differing = 0;
        let turned = 0;
        for (let round = 0; round < rounds; round++) {
          for (const [i, page] of pages.entries()) {
            const order = (i + round) % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
            const answers: Partial<Record<'on' | 'off', Answer>> = {};
            for (const mode of order) {
              const { ms, answer } = await readPage(url, mode === 'on' ? 'ocr' : FIXED, page, seen);
              times[mode].push(ms);
              answers[mode] = answer;
            }
            if (answers.on!.text !== answers.off!.text) differing++;
            if (answers.on!.rotation !== 0) turned++;
          }
        }
        const n = times.on.length;
        // Each page's two reads were back to back: their difference is what detection cost that page, with
        // the machine's drift over the run (other work, a loaded core) mostly cancelled.
        const extra = median(times.on.map((ms, i) => ms - times.off[i]));
        const offMedian = median(times.off);
        const scenario = (what: string) =>
          `OCR upright pages, ${LINES} lines/page, page orientation ${what} (every page a miss)`;
        ctx.rows.push(
          row(
            IDS.off,
            scenario('off (detect_orientation: false)'),
            times.off,
            `${n} pages, the same as below; x-cache: ${[...seen].join(', ')}`,
          ),
          row(
            IDS.on,
            scenario('on (the default)'),
            times.on,
            `${n} pages, alternating with the row above; ${turned} read as turned, ${differing} with another text than off; median per-page difference ${extra >= 0 ? '+' : ''}${extra.toFixed(0)} ms (${((extra / offMedian) * 100).toFixed(1)} % of off's median)`,
            [{ id: IDS.off, label: 'orientation off', as: 'percent' }],
          ),
        );
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        ctx.log(
          `orientation: on ${mean(times.on).toFixed(0)} ms/page, off ${mean(times.off).toFixed(0)} ms/page (${n} pages each)`,
        );
      },
    );
  });
}

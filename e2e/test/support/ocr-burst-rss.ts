// Issue 30 item 7, measured: `node --import tsx e2e/test/support/ocr-burst-rss.ts [pages] [lines]`.
// Starts the system as `npm start` does (startSystem: free ports, 2 HTTP workers, MODELS=mnist,ocr), sends
// `pages` distinct OCR pages at once (default 20, of 30 lines each; `cache-control: no-cache`, so every page
// is read), and prints what came back (statuses, 503 OVERLOADED with Retry-After) and the peak resident
// memory (VmHWM) of each process of the host: the primary and each HTTP worker.
// A measurement, not a test: the numbers depend on the machine.
import { readFileSync } from 'node:fs';
import { renderTextPage, textLine } from '@modelfn/model-builder';
import { descendants } from './processes.js';
import { startSystem } from './system.js';

const count = Number(process.argv[2] ?? 20);
const lines = Number(process.argv[3] ?? 30);

const peakMiB = (pid: number): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
};

const pages = await Promise.all(
  Array.from({ length: count }, (_, p) =>
    renderTextPage(
      `burst-${p}`,
      Array.from({ length: lines }, (_, l) => textLine(70_000 + p * lines + l)),
    ),
  ),
);
const sys = await startSystem(undefined, { MODELS: 'mnist,ocr' });
try {
  const host = sys.child.pid!;
  const workers = () => descendants(host).filter((p) => /apps\/local\/src\/main\.ts/.test(p.cmdline));
  const before = [host, ...workers().map((w) => w.pid)].map(peakMiB);
  const started = performance.now();
  const answers = await Promise.all(
    pages.map(async (page) => {
      const r = await fetch(`${sys.url}/score`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'x-model': 'ocr', 'cache-control': 'no-cache' },
        body: page.png,
      });
      await r.arrayBuffer();
      return { status: r.status, retryAfter: r.headers.get('retry-after'), ms: performance.now() - started };
    }),
  );
  const statuses = new Map<number, number>();
  for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  const ok = answers
    .filter((a) => a.status === 200)
    .map((a) => a.ms)
    .sort((a, b) => a - b);
  console.log(
    `${count} pages of ${lines} lines at once: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}; ` +
      `answered in ${Math.round(ok[Math.floor(ok.length / 2)] ?? 0)} ms (p50) / ${Math.round(ok.at(-1) ?? 0)} ms (max); ` +
      `Retry-After ${[...new Set(answers.map((a) => a.retryAfter).filter(Boolean))].join(', ') || '—'}`,
  );
  const after = [host, ...workers().map((w) => w.pid)];
  console.log(
    `peak RSS (VmHWM) before → after: primary ${before[0]} → ${peakMiB(after[0])} MiB; ` +
      after
        .slice(1)
        .map((pid, i) => `worker ${i + 1} ${before[i + 1] ?? '?'} → ${peakMiB(pid)} MiB`)
        .join('; '),
  );
} finally {
  await sys.stop();
}

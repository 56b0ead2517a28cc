import type { Comparison } from './results.js';

/** The DESIGN.md "Targets", as comparisons between rows of one run (or absolute numbers). */
export function targets(ours: string): Comparison[] {
  return [
    {
      id: `score-hit:${ours}`,
      baseline: 'score-hit:peer',
      measure: 'throughput',
      atLeast: 4,
      label: '/score cache-hit throughput ≥ 4× the peer',
    },
    {
      id: `score-miss:${ours}`,
      baseline: 'score-miss:peer',
      measure: 'throughput',
      atLeast: 4,
      label: '/score cache-miss throughput ≥ 4× the peer',
    },
    {
      id: `score-hit:${ours}`,
      baseline: 'score-hit:peer',
      measure: 'p99',
      atMost: 0.5,
      label: '/score cache-hit p99 ≤ ½ the peer’s',
    },
    {
      id: `score-miss:${ours}`,
      baseline: 'score-miss:peer',
      measure: 'p99',
      atMost: 0.5,
      label: '/score cache-miss p99 ≤ ½ the peer’s',
    },
    {
      id: `score-hit:${ours}`,
      baseline: 'score-hit:bare',
      measure: 'throughput',
      atLeast: 0.6,
      label: '/score cache-hit ≥ 60 % of bare Node http',
    },
    {
      id: `score-miss:${ours}`,
      baseline: 'score-miss:bare',
      measure: 'throughput',
      atLeast: 0.6,
      label: '/score cache-miss ≥ 60 % of bare Node http',
    },
    {
      id: 'batching-on:ours',
      baseline: 'batching-off:ours',
      measure: 'throughput',
      atLeast: 2,
      label: 'dynamic batching at 64 single-row clients ≥ 2× off (mnist)',
    },
    {
      id: 'batching-wide-on:ours',
      baseline: 'batching-wide-off:ours',
      measure: 'throughput',
      atLeast: 2,
      label: 'the same with a larger model (mlp-wide, 784-1024-10: its run is most of a request)',
    },
    {
      id: 'blob:ours',
      measure: 'throughput',
      atLeast: 200,
      label: 'blob ≥ 200 PNG digits/s, upload to result blob',
    },
    {
      id: 'servicebus:ours',
      measure: 'throughput',
      atLeast: 1000,
      label: 'Service Bus ≥ 1,000 messages/s, request to reply',
    },
    {
      id: 'ocr-cold:ours',
      baseline: 'ocr-cold:library',
      measure: 'throughput',
      atLeast: 1,
      label: 'OCR cold pages/s ≥ @gutenye/ocr-node on the same pages',
    },
    {
      id: 'ocr-hit:ours',
      baseline: 'ocr-cold:library',
      measure: 'throughput',
      atLeast: 50,
      label: 'OCR repeated pages ≥ 50× @gutenye/ocr-node',
    },
    {
      id: 'score-hit:npmstart',
      baseline: 'score-hit:peer',
      measure: 'throughput',
      atLeast: 4,
      label: 'npm start: /score cache-hit throughput ≥ 4× the peer',
    },
    {
      id: 'score-hit:npmstart',
      baseline: 'score-hit:bare',
      measure: 'throughput',
      atLeast: 0.85,
      label: 'npm start: /score cache-hit ≥ 85 % of bare Node http',
    },
    {
      id: 'hit-under-ocr:npmstart',
      measure: 'p99',
      atMost: 20,
      label: 'npm start: cache-hit p99 ≤ 20 ms while 4 clients read OCR pages that miss',
    },
    {
      id: 'hit-under-ocr:npmstart',
      baseline: 'score-hit:npmstart',
      measure: 'throughput',
      atLeast: 0.5,
      label: 'npm start: cache hits under that OCR load ≥ 50 % of the same row without it',
    },
    {
      id: 'ocr-miss:pool',
      baseline: 'ocr-miss:inline',
      measure: 'throughput',
      atLeast: 1.6,
      label: 'OCR pages that miss: inference pool ≥ 1.6× one inline thread',
    },
    {
      id: 'cold-start:ours',
      measure: 'throughput',
      atMost: 1500,
      label: 'cold start (process start → first prediction) < 1.5 s',
    },
    {
      id: 'cold-start:ours-2',
      measure: 'throughput',
      atMost: 1500,
      label: 'the same with two HTTP workers, as npm start runs by default',
    },
    // Issue 28: the HTTP package as Azure runs it (one plain Node process, its default threads).
    {
      id: 'packaged-idle:all',
      measure: 'throughput',
      atMost: 400,
      unit: 'MiB',
      label: 'packaged score-http, idle with mnist and OCR ≤ 400 MiB',
    },
    {
      id: 'packaged-ocr-burst:all',
      measure: 'throughput',
      atMost: 1024,
      unit: 'MiB',
      label: 'packaged score-http, peak under 20 concurrent OCR pages that miss ≤ 1 GiB',
    },
    {
      id: 'packaged-miss:mnist',
      measure: 'throughput',
      atMost: 250,
      unit: 'MiB',
      label: 'packaged score-http with MODELS=mnist, peak under the /score miss load ≤ 250 MiB',
    },
    {
      id: 'cold-start:packaged',
      baseline: 'cold-start:bare-ort',
      measure: 'throughput',
      atMost: 2,
      label: 'packaged score-http cold start (spawn → first mnist answer) ≤ 2× the bare onnxruntime server',
    },
  ];
}

/** The server whose rows the targets are judged on. */
export const HEADLINE = 'ours';

export const TARGETS = targets(HEADLINE);

import { describe, expect, it } from 'vitest';
import { inkBox, mnistDigit, SIDE } from '../static/js/mnist-digit.js';
import { liveStats, parsePrometheus, quantile } from '../static/js/live-stats.js';
import { label, pixels } from './support/mnist.js';

// The playground's pure browser modules, run in Node: the MNIST-style drawing preprocessing and the live
// panel's arithmetic over Prometheus text.

/** A test digit drawn big and off-centre on a 280x280 canvas, as a user might draw it. */
function drawnLarge(i: number, scale: number, left: number, top: number) {
  const data = new Float32Array(280 * 280);
  const src = pixels(i);
  for (let y = 0; y < 28 * scale; y++) {
    for (let x = 0; x < 28 * scale; x++) {
      data[(top + y) * 280 + left + x] = src[Math.floor(y / scale) * 28 + Math.floor(x / scale)];
    }
  }
  return { width: 280, height: 280, data };
}

/** Mass centre in pixel indices. */
function massCentre(d: ArrayLike<number>): [number, number] {
  let m = 0;
  let x = 0;
  let y = 0;
  for (let k = 0; k < SIDE * SIDE; k++) {
    m += d[k];
    x += d[k] * (k % SIDE);
    y += d[k] * Math.floor(k / SIDE);
  }
  return [x / m, y / m];
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const mean = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x, 0) / n;
  const [ma, mb] = [mean(a), mean(b)];
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('mnistDigit', () => {
  it('gives back an MNIST digit drawn 9x larger in a corner of the canvas', () => {
    for (const i of [0, 1, 2, 3, 4]) {
      const digit = mnistDigit(drawnLarge(i, 9, 20, 25))!;
      expect(digit.length).toBe(SIDE * SIDE);
      // MNIST digits were made this way, so the result is the digit again, up to resampling.
      expect(correlation(digit, pixels(i)), `digit ${i} (a ${label(i)})`).toBeGreaterThan(0.9);
    }
  });

  it('centres as the MNIST files are centred: mass centre within half a pixel of (14, 14)', () => {
    for (let i = 0; i < 50; i++) {
      for (const c of massCentre(pixels(i))) expect(Math.abs(c - 14)).toBeLessThanOrEqual(0.5);
    }
  });

  it('fits the ink into 20x20 and puts its centre of mass at the centre', () => {
    // A thin vertical bar: its height becomes 20, its width scales with it.
    const data = new Float32Array(100 * 100);
    for (let y = 10; y < 60; y++) for (let x = 70; x < 75; x++) data[y * 100 + x] = 255;
    const digit = mnistDigit({ width: 100, height: 100, data })!;
    const box = inkBox({ width: SIDE, height: SIDE, data: digit })!;
    expect(box.h).toBe(20);
    expect(box.w).toBe(2);
    let mass = 0;
    let mx = 0;
    let my = 0;
    digit.forEach((v, k) => {
      mass += v;
      mx += v * (k % SIDE);
      my += v * Math.floor(k / SIDE);
    });
    expect(Math.abs(mx / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(my / mass - 14)).toBeLessThanOrEqual(0.5);
  });

  it('says there is nothing to read on an empty canvas', () => {
    expect(mnistDigit({ width: 10, height: 10, data: new Float32Array(100) })).toBeUndefined();
  });
});

const scrape = (requests: number, hits: number, misses: number, fast: number, slow: number, breaker = 0) => `
# HELP modelfn_invocations_total Function invocations
# TYPE modelfn_invocations_total counter
modelfn_invocations_total{trigger="http",function="score",outcome="ok"} ${requests}
modelfn_invocation_duration_seconds_bucket{le="0.001",trigger="http",function="score",outcome="ok"} ${fast}
modelfn_invocation_duration_seconds_bucket{le="0.01",trigger="http",function="score",outcome="ok"} ${fast + slow}
modelfn_invocation_duration_seconds_bucket{le="+Inf",trigger="http",function="score",outcome="ok"} ${fast + slow}
modelfn_invocation_duration_seconds_count{trigger="http",function="score",outcome="ok"} ${fast + slow}
modelfn_invocation_duration_seconds_bucket{le="0.001",trigger="http",function="metrics",outcome="ok"} 0
modelfn_invocation_duration_seconds_bucket{le="+Inf",trigger="http",function="metrics",outcome="ok"} 500
modelfn_invocation_duration_seconds_count{trigger="http",function="metrics",outcome="ok"} 500
modelfn_invocation_duration_seconds_bucket{le="0.1",trigger="blob",function="scoreBlob",outcome="ok"} 4
modelfn_invocation_duration_seconds_bucket{le="+Inf",trigger="blob",function="scoreBlob",outcome="ok"} 4
modelfn_invocation_duration_seconds_count{trigger="blob",function="scoreBlob",outcome="ok"} 4
modelfn_cache_rows_total{model="mnist",result="hit"} ${hits}
modelfn_cache_rows_total{model="mnist",result="miss"} ${misses}
modelfn_cache_breaker_open ${breaker}
modelfn_queue_rows{model="ocr"} 3
`;

describe('live panel figures', () => {
  it('parses Prometheus text, labels and escapes included', () => {
    const [s] = parsePrometheus('m{a="x\\"y",b="1"} 2.5\n# comment\n');
    expect(s).toEqual({ name: 'm', labels: { a: 'x"y', b: '1' }, value: 2.5 });
    expect(parsePrometheus('up +Inf')[0].value).toBe(Infinity);
  });

  it('interpolates quantiles within buckets as histogram_quantile does', () => {
    const buckets = new Map([
      [0.1, 50],
      [0.2, 100],
      [Infinity, 100],
    ]);
    expect(quantile(buckets, 0.5)).toBeCloseTo(0.1);
    expect(quantile(buckets, 0.75)).toBeCloseTo(0.15);
    expect(quantile(new Map([[Infinity, 0]]), 0.5)).toBeUndefined();
  });

  it('works out rates, hit ratio and latency over the time between two scrapes', () => {
    const before = parsePrometheus(scrape(100, 10, 90, 60, 40));
    const now = parsePrometheus(scrape(300, 190, 110, 240, 60));
    const s = liveStats(before, now, 2);
    // 200 scoring requests in 2 s; the page's own /metrics calls are not traffic.
    const http = s.triggers.find((t) => t.trigger === 'http')!;
    expect(http.perSecond).toBe(100);
    expect(s.triggers.map((t) => t.trigger)).toEqual(['blob', 'http']);
    expect(s.perSecond).toBe(100);
    // 180 hits of 200 lookups in the window (not 190 of 300 since the start).
    expect(s.hitRatio).toBeCloseTo(0.9);
    // 180 of the window's 200 took under 1 ms: the median is inside the first bucket.
    expect(http.p50).toBeLessThan(0.001);
    expect(http.p99).toBeGreaterThan(0.001);
    expect(s.queues).toEqual([{ model: 'ocr', name: 'modelfn_queue_rows', value: 3 }]);
    expect(s.redis.state).toMatch(/breaker closed/);
    expect(liveStats(before, parsePrometheus(scrape(300, 190, 110, 240, 60, 1)), 2).redis.state).toMatch(
      /bypassed/,
    );
  });

  it('shows totals since the start at the first scrape and when the window saw nothing', () => {
    const first = liveStats(undefined, parsePrometheus(scrape(100, 30, 70, 60, 40)), 0);
    expect(first.perSecond).toBe(0);
    expect(first.hitRatio).toBeCloseTo(0.3);
    const same = parsePrometheus(scrape(100, 30, 70, 60, 40));
    const idle = liveStats(same, same, 2);
    expect(idle.hitRatio).toBeCloseTo(0.3);
    expect(idle.triggers.find((t) => t.trigger === 'http')!.p50).toBeLessThan(0.001);
  });
});

// @ts-check
// What the live panel shows, worked out from two scrapes of the host's Prometheus text (`GET /metrics`):
// rates and quantiles over the time between them, as Prometheus' rate() and histogram_quantile() would.
// It reads whichever of these metrics the host exports, so a trigger or gauge added later shows up as is.

/**
 * @typedef {object} Sample
 * @property {string} name
 * @property {Record<string, string>} labels
 * @property {number} value
 */

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The samples of Prometheus' text format (comments and blank lines skipped).
 * @param {string} text
 * @returns {Sample[]}
 */
export function parsePrometheus(text) {
  /** @type {Sample[]} */
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    /** @type {Record<string, string>} */
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) {
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** HTTP functions that serve the pages and the metrics themselves: not traffic worth a rate. */
export const PAGE_FUNCTIONS = new Set(['playground', 'docs', 'static', 'metrics', 'swagger']);

/**
 * Which trigger a latency histogram's sample belongs to, or undefined when it is none of them: a
 * `trigger` label wins (the host's one latency series, `modelfn_invocation_duration_seconds{trigger}`,
 * counts every trigger's invocations once), else the name `modelfn_<trigger>_[request_|message_]duration_seconds`
 * of a series some other exporter may add.
 * @param {Sample} s
 * @returns {string | undefined}
 */
export function triggerOf(s) {
  const m =
    /^modelfn_([a-z0-9]+?)_(?:request_|message_|invocation_|blob_)?duration_seconds_(bucket|count|sum)$/.exec(
      s.name,
    );
  if (!m && !(s.labels.trigger && /_seconds_(bucket|count|sum)$/.test(s.name))) return undefined;
  if (s.labels.function && PAGE_FUNCTIONS.has(s.labels.function)) return undefined;
  return s.labels.trigger ?? m?.[1];
}

/**
 * @typedef {object} TriggerStats
 * @property {string} trigger
 * @property {number} perSecond
 * @property {number | undefined} p50 seconds
 * @property {number | undefined} p99 seconds
 */

/**
 * @typedef {object} LiveStats
 * @property {number} seconds the window the rates cover
 * @property {number} perSecond requests (and messages, blobs) per second, every trigger
 * @property {number | undefined} hitRatio cache hits over lookups in the window, or since start when none
 * @property {TriggerStats[]} triggers
 * @property {{ model: string, name: string, value: number }[]} queues
 * @property {{ state: string, detail: string }} redis
 */

/**
 * @param {Map<number, number>} buckets cumulative count by upper bound
 * @param {number} q
 * @returns {number | undefined}
 */
export function quantile(buckets, q) {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound) ?? 0;
    if (count >= rank) {
      // The highest finite bound is the answer when the rank falls in +Inf, as histogram_quantile does.
      if (bound === Infinity) return lower;
      return lower + ((bound - lower) * (rank - below)) / Math.max(count - below, 1e-12);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

/**
 * @param {Sample[]} samples
 * @param {(s: Sample) => boolean} pick
 * @param {(s: Sample) => number} value
 */
function sum(samples, pick, value) {
  let total = 0;
  for (const s of samples) if (pick(s)) total += value(s);
  return total;
}

/**
 * Panel figures from the previous scrape (undefined at the first) and the current one.
 * @param {Sample[] | undefined} before
 * @param {Sample[]} now
 * @param {number} seconds time between the two scrapes
 * @returns {LiveStats}
 */
export function liveStats(before, now, seconds) {
  const prev = before ?? [];
  const dt = before ? Math.max(seconds, 1e-3) : 0;
  /** @param {Sample} s */
  const key = (s) => `${s.name}${JSON.stringify(s.labels)}`;
  const old = new Map(prev.map((s) => [key(s), s.value]));
  /** Counter increase since the previous scrape (a restart counts from zero). @param {Sample} s */
  const delta = (s) => {
    const was = old.get(key(s));
    return was === undefined || was > s.value ? s.value : s.value - was;
  };

  /** @type {Map<string, { count: number, buckets: Map<number, number>, all: Map<number, number> }>} */
  const byTrigger = new Map();
  for (const s of now) {
    const trigger = triggerOf(s);
    if (!trigger) continue;
    let t = byTrigger.get(trigger);
    if (!t) byTrigger.set(trigger, (t = { count: 0, buckets: new Map(), all: new Map() }));
    if (s.name.endsWith('_count')) t.count += before ? delta(s) : 0;
    if (s.name.endsWith('_bucket')) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      t.buckets.set(le, (t.buckets.get(le) ?? 0) + delta(s));
      t.all.set(le, (t.all.get(le) ?? 0) + s.value);
    }
  }
  /** @type {TriggerStats[]} */
  const triggers = [...byTrigger].map(([trigger, t]) => {
    // Quantiles of the window when it saw traffic, else of everything since the start.
    const window = before && t.count > 0 ? t.buckets : t.all;
    return {
      trigger,
      perSecond: dt ? t.count / dt : 0,
      p50: quantile(window, 0.5),
      p99: quantile(window, 0.99),
    };
  });
  triggers.sort((a, b) => a.trigger.localeCompare(b.trigger));

  /** @param {string} result @param {(s: Sample) => number} v */
  const lookups = (result, v) =>
    sum(now, (s) => s.name === 'modelfn_cache_rows_total' && s.labels.result === result, v);
  const windowHits = before ? lookups('hit', delta) : 0;
  const windowMisses = before ? lookups('miss', delta) : 0;
  const hits = windowHits + windowMisses > 0 ? windowHits : lookups('hit', (s) => s.value);
  const misses = windowHits + windowMisses > 0 ? windowMisses : lookups('miss', (s) => s.value);

  const queues = now
    .filter(
      (s) =>
        /^modelfn_queue_rows$|queue_(depth|length|size)|in_?flight|pending/.test(s.name) &&
        !/_(bucket|count|sum)$/.test(s.name),
    )
    .map((s) => ({ model: s.labels.model ?? '(all)', name: s.name, value: s.value }));

  return {
    seconds: dt,
    perSecond: triggers.reduce((a, t) => a + t.perSecond, 0),
    hitRatio: hits + misses > 0 ? hits / (hits + misses) : undefined,
    triggers,
    queues,
    redis: redisState(now, before ? (s) => delta(s) : () => 0),
  };
}

/**
 * @param {Sample[]} now
 * @param {(s: Sample) => number} delta
 * @returns {{ state: string, detail: string }}
 */
function redisState(now, delta) {
  const up = now.find((s) => /^modelfn_(cache_)?redis_(up|connected)$/.test(s.name));
  const breaker = now.find((s) => s.name === 'modelfn_cache_breaker_open');
  const errors = sum(now, (s) => s.name === 'modelfn_cache_errors_total', delta);
  const detail =
    errors > 0 ? `${errors} cache errors since the last refresh` : 'no cache errors since the last refresh';
  if (up && up.value === 0) return { state: 'down', detail };
  if (breaker && breaker.value > 0) return { state: 'bypassed (circuit breaker open)', detail };
  if (up) return { state: 'up', detail };
  if (breaker) return { state: 'in use (breaker closed)', detail };
  return { state: 'unknown (no cache metrics)', detail: '' };
}

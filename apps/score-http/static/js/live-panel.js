// @ts-check
// The live panel: scrapes /metrics every few seconds and shows rates, cache hits, latency per trigger,
// queue depth and the Redis state (live-stats.js works them out).
import { api } from './api.js';
import { liveStats, parsePrometheus } from './live-stats.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {number | undefined} s */
function ms(s) {
  if (s === undefined) return '–';
  return s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${(s * 1000).toFixed(1)} ms`;
}

/** @param {string[]} cells */
function tr(cells) {
  const row = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    row.append(td);
  }
  return row;
}

/**
 * Starts refreshing every `intervalMs`.
 * @param {number} intervalMs
 */
export function startLivePanel(intervalMs) {
  /** @type {import('./live-stats.js').Sample[] | undefined} */
  let before;
  let then = 0;
  const refresh = async () => {
    try {
      const reply = await api('/metrics');
      const now = performance.now();
      const samples = parsePrometheus(String(reply.body));
      const s = liveStats(before, samples, (now - then) / 1000);
      before = samples;
      then = now;
      $('live-rate').textContent = s.seconds ? s.perSecond.toFixed(1) : '…';
      $('live-hits').textContent =
        s.hitRatio === undefined ? 'no lookups yet' : `${(s.hitRatio * 100).toFixed(0)} %`;
      $('live-redis').textContent = s.redis.state;
      $('live-redis').title = s.redis.detail;
      $('live-triggers').replaceChildren(
        ...s.triggers.map((t) => tr([t.trigger, t.perSecond.toFixed(1), ms(t.p50), ms(t.p99)])),
      );
      $('live-queues').replaceChildren(
        ...(s.queues.length
          ? s.queues.map((q) => {
              const li = document.createElement('li');
              li.textContent = `${q.model}: ${q.value}`;
              li.title = q.name;
              return li;
            })
          : [
              Object.assign(document.createElement('li'), {
                textContent: 'no queue metric exported',
                className: 'muted',
              }),
            ]),
      );
      $('live-age').textContent = `every ${intervalMs / 1000} s`;
      $('live-error').hidden = true;
    } catch (e) {
      $('live-error').textContent = `metrics: ${/** @type {Error} */ (e).message}`;
      $('live-error').hidden = false;
    } finally {
      setTimeout(refresh, intervalMs);
    }
  };
  void refresh();
}

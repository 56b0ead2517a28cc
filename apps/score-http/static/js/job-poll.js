// @ts-check
// A request POST /score answered 202 (a document over OCR_ASYNC_PAGES pages, or one sent with `Prefer:
// respond-async`): its status URL is asked again after each Retry-After (bounded) until it answers, while
// the page says the job is running.
import { api } from './api.js';
import { MAX_FOLLOW_MS, retryDelayMs } from './job-wait.js';

/**
 * @typedef {{ id: string, statusUri: string, polls: number, elapsedMs: number }} Running
 * @typedef {object} FollowOptions
 * @property {() => boolean} current false once the page moved on (another request): the job is left
 * @property {(running: Running) => void} onRunning called at once and after each 202
 * @property {(ms: number) => Promise<void>} [sleep]
 */

/**
 * Follows a 202 to its answer: the status URL's final reply (what POST /score would have answered; a failure
 * throws ApiError as any call does), with `ms` from the POST to the answer; undefined when the page moved on.
 * Throws when the job still runs after MAX_FOLLOW_MS.
 * @param {import('./api.js').Reply} accepted
 * @param {FollowOptions} opts
 * @returns {Promise<import('./api.js').Reply | undefined>}
 */
export async function followJob(accepted, opts) {
  const sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const job = /** @type {{ id?: string, statusUri?: string }} */ (accepted.body ?? {});
  const statusUri = job.statusUri ?? accepted.headers.get('location') ?? '';
  if (!statusUri) throw new Error('the server answered 202 without a status URL');
  // Asked on this page's origin (the key goes with it), whatever host name the server saw.
  const url = new URL(statusUri, window.location.href);
  const path = `${url.pathname}${url.search}`;
  const started = performance.now() - accepted.ms;
  let reply = accepted;
  let polls = 0;
  for (;;) {
    const elapsedMs = performance.now() - started;
    opts.onRunning({ id: job.id ?? url.pathname.split('/').pop() ?? '', statusUri, polls, elapsedMs });
    if (elapsedMs > MAX_FOLLOW_MS)
      throw new Error(`the job at ${statusUri} still runs after ${MAX_FOLLOW_MS / 60_000} min; ask it later`);
    await sleep(retryDelayMs(reply.headers.get('retry-after')));
    if (!opts.current()) return undefined;
    reply = await api(path);
    polls++;
    if (!opts.current()) return undefined;
    if (reply.status !== 202) return { ...reply, ms: performance.now() - started };
  }
}

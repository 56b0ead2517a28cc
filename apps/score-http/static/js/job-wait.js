// @ts-check
// How long the playground waits between two calls of a job's status URL. No DOM here: a unit test in Node
// imports it.

/** The shortest and longest wait between two status calls, whatever Retry-After says. */
export const MIN_DELAY_MS = 500;
export const MAX_DELAY_MS = 10_000;
/** How long the page follows one job: a job's own bound (job_timeout_ms) is 10 min by default. */
export const MAX_FOLLOW_MS = 15 * 60_000;

/**
 * The wait Retry-After asks for (seconds, or an HTTP date), within [MIN_DELAY_MS, MAX_DELAY_MS]; 2 s when
 * it says nothing usable.
 * @param {string | null} header
 * @param {number} [now]
 */
export function retryDelayMs(header, now = Date.now()) {
  const seconds = Number(header);
  let ms = 2_000;
  if (header && Number.isFinite(seconds)) ms = seconds * 1000;
  else if (header && !Number.isNaN(Date.parse(header))) ms = Date.parse(header) - now;
  return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, ms));
}

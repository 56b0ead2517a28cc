import { randomUUID } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { respondsAsync, type TriggerRequest } from '@modelfn/functions';
import type { Scorer } from '@modelfn/scoring';
import { json, type AppResponse } from '../respond.js';
import { envelopeOf, type JobRender } from './job-envelope.js';
import type { JobStore } from './job-store.js';

/** How long a caller is asked to wait between status calls: about what a few scanned pages take. */
export const RETRY_AFTER_SECONDS = 5;

/** RFC 7240 `Prefer: respond-async` (among other preferences, case-insensitive, parameters ignored). */
export function prefersRespondAsync(header: string | null): boolean {
  if (!header) return false;
  return header
    .split(',')
    .some((p) => p.split(';')[0].split('=')[0].trim().toLowerCase() === 'respond-async');
}

/** The status URL of a job: the route `score/jobs/{id}` beside `/score` (the app's routePrefix is ""). */
export function statusUriOf(requestUrl: string, id: string): string {
  const url = new URL(requestUrl);
  return `${url.origin}${url.pathname.replace(/\/score\/?$/, '')}/score/jobs/${id}`;
}

/** The running job's answer, at POST time and from the status URL until it is done. */
export function runningAnswer(
  id: string,
  statusUri: string,
  extra: Record<string, string> = {},
): AppResponse {
  return json(
    202,
    { id, statusUri, status: 'running' },
    { location: statusUri, 'retry-after': String(RETRY_AFTER_SECONDS), ...extra },
  );
}

/**
 * Answers `202 Accepted` with a status URL instead of scoring now when the caller asks (`Prefer:
 * respond-async`, any model) or the model's entry script does (`respondAsync`: a document over
 * OCR_ASYNC_PAGES pages, say): the request is stored and queued for the job function, whose answer the
 * status URL gives. Undefined: score it now (also when no job store is configured, as RFC 7240 lets a
 * server do with a preference).
 */
export async function acceptIfAsync(
  scorer: Scorer,
  jobs: JobStore | undefined,
  request: HttpRequest,
  req: TriggerRequest & { payload: { body: Buffer; contentType?: string } },
  render: JobRender,
): Promise<AppResponse | undefined> {
  if (!jobs) return undefined;
  const asked = prefersRespondAsync(request.headers.get('prefer'));
  if (!asked && !(await respondsAsync(scorer, req))) return undefined;
  const id = randomUUID();
  await jobs.submit(id, envelopeOf(req, render), req.payload.body);
  return runningAnswer(
    id,
    statusUriOf(request.url, id),
    asked ? { 'preference-applied': 'respond-async' } : {},
  );
}

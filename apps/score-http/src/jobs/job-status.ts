import type { ScopedHandler } from '../request-scope.js';
import { json } from '../respond.js';
import { runningAnswer } from './accept-job.js';
import { isJobId } from './job-envelope.js';
import { jobSettings } from './job-settings.js';
import type { JobStore } from './job-store.js';

export interface JobStatusOptions {
  /** How long a job's status URL answers (HTTP_JOB_RETENTION_HOURS); default the setting. */
  retentionHours?: number;
  /** The clock (ms since the epoch); default Date.now. */
  now?: () => number;
}

/**
 * `GET /score/jobs/{id}`, the Functions async HTTP pattern's status endpoint: 202 with Retry-After while the
 * job runs; when it is done, exactly what POST /score would have answered (200 and the result, or the
 * failure's status and `{error, code}`); 404 for an id no job has. Any instance answers it from storage.
 *
 * An answer is kept for HTTP_JOB_RETENTION_HOURS after it was written (a job not answered, after it was
 * accepted), then answered 404 like an id never used: in Azure a storage lifecycle rule on the container
 * removes the blobs (once a day, in whole days), and this endpoint must not depend on when that ran, nor
 * answer otherwise where none runs (Azurite). Not 410: once the rule removed the blobs, an expired id cannot
 * be told from one never used, so an id would go 410 then 404.
 */
export function jobStatusHandler(
  jobs: () => JobStore | undefined,
  opts: JobStatusOptions = {},
): ScopedHandler {
  const now = opts.now ?? Date.now;
  const retentionHours = opts.retentionHours ?? jobSettings().retentionHours;
  return async (request) => {
    const id = request.params.id;
    const store = jobs();
    const unknown = () =>
      json(404, {
        error:
          `no job has id "${id}": ids are those POST /score answered, and a job's answer is kept ` +
          `${retentionHours} h (HTTP_JOB_RETENTION_HOURS)`,
        code: 'JOB_NOT_FOUND',
      });
    const expired = (since: Date | undefined) =>
      since !== undefined && now() - since.getTime() > retentionHours * 3_600_000;
    if (!store || !isJobId(id)) return unknown();
    const answer = await store.answer(id);
    if (answer) {
      if (expired(answer.writtenAt)) return unknown();
      return { status: answer.status, headers: answer.headers, body: answer.body };
    }
    const accepted = await store.acceptedAt(id);
    if (!accepted || expired(accepted)) return unknown();
    const self = new URL(request.url);
    self.search = '';
    return runningAnswer(id, self.toString());
  };
}

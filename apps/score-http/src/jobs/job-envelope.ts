import type { PredictionOptions, TriggerRequest } from '@modelfn/functions';
import { ScoringError } from '@modelfn/scoring';

/** How the job renders its result, as POST /score would have: JSON (with the query's options) or raw bytes. */
export interface JobRender {
  binary: boolean;
  options: PredictionOptions;
}

/** What a job keeps of its request besides the body (`<id>/request.json`): enough to score and answer it. */
export interface JobEnvelope {
  request: Omit<TriggerRequest, 'payload'> & { contentType?: string };
  render: JobRender;
  /** When POST /score accepted it (ISO 8601). */
  accepted: string;
}

/** An HTTP request with its body, as the job's envelope keeps it. */
export function envelopeOf(
  req: TriggerRequest & { payload: { body: Buffer; contentType?: string } },
  render: JobRender,
): JobEnvelope {
  const { payload, ...rest } = req;
  return {
    request: { ...rest, ...(payload.contentType ? { contentType: payload.contentType } : {}) },
    render,
    accepted: new Date().toISOString(),
  };
}

/** The request the job scores: the envelope's with its body back. */
export function requestOf(envelope: JobEnvelope, body: Buffer): TriggerRequest {
  const { contentType, ...rest } = envelope.request;
  return { ...rest, payload: { body, contentType } };
}

// A job id is ours (randomUUID), so anything else names no job: the status route answers 404 without a
// storage call, and no id reaches a blob name unchecked.
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJobId(id: unknown): id is string {
  return typeof id === 'string' && JOB_ID.test(id);
}

/** The id a job queue message carries (`{"id": "<uuid>"}`). */
export function jobIdOf(entry: unknown): string {
  const id = (entry as { id?: unknown } | null)?.id;
  if (!isJobId(id)) throw new ScoringError('INVALID_INPUT', 'a job message must be {"id": "<job id>"}');
  return id;
}

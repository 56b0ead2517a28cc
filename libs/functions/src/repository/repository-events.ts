import type { InvocationContext } from '@azure/functions';
import { blobRepositoryPlace, sharedScorer, type Scorer } from '@modelfn/scoring';
import type { EventGridFunctionDefinition } from '../definitions/function-definition.js';
import { reportFields, reportOutcome } from '../observe/invocation-report.js';
import { PollCoalescer } from './poll-coalescer.js';

/**
 * The Event Grid trigger's name: Event Grid posts to
 * `/runtime/webhooks/eventgrid?functionName=modelRepositoryEvents&code=<eventgrid_extension key>`.
 */
export const REPOSITORY_EVENTS_FUNCTION = 'modelRepositoryEvents';

/**
 * How long an invocation waits for the poll it asked for. Event Grid waits 30 s for an answer and then
 * delivers the event again; a poll that downloads a large model takes longer, and goes on after the
 * invocation has answered (the instance's own poller would pick the change up anyway).
 */
const DEFAULT_WAIT_MS = 20_000;

/** Storage events that change what a repository holds (Data Lake's directory events included). */
const CHANGES = new Set([
  'Microsoft.Storage.BlobCreated',
  'Microsoft.Storage.BlobDeleted',
  'Microsoft.Storage.BlobRenamed',
  'Microsoft.Storage.DirectoryRenamed',
  'Microsoft.Storage.DirectoryDeleted',
]);

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.*)$/;

export type EventVerdict = { poll: true; blob: string; type: string } | { poll: false; why: string };

/**
 * Whether an event (Event Grid schema: `eventType`, `subject`; CloudEvents 1.0: `type`, `subject`) announces
 * a change inside the repository's container and prefix. Anything else (another container, an event type
 * that changes no blob) is ignored: a subscription wider than the models container must not make every
 * upload elsewhere read the repository.
 */
export function judgeEvent(event: unknown, place: { container: string; prefix: string }): EventVerdict {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const type = typeof e.eventType === 'string' ? e.eventType : typeof e.type === 'string' ? e.type : '';
  if (!CHANGES.has(type)) return { poll: false, why: `event type "${type}" changes no blob` };
  const m = typeof e.subject === 'string' ? SUBJECT.exec(e.subject) : null;
  if (!m) return { poll: false, why: `subject ${JSON.stringify(e.subject)} names no blob` };
  const [, container, blob] = m;
  if (container !== place.container)
    return { poll: false, why: `container "${container}" is not the repository's ("${place.container}")` };
  if (place.prefix && blob !== place.prefix && !blob.startsWith(`${place.prefix}/`))
    return { poll: false, why: `blob "${blob}" is outside the repository's prefix "${place.prefix}/"` };
  return { poll: true, blob, type };
}

export interface RepositoryEventsOptions {
  /** Default: the process-wide scorer. */
  scorer?: () => Promise<Scorer>;
  /** Default 20 s, under Event Grid's 30 s (see DEFAULT_WAIT_MS). */
  waitMs?: number;
}

/** Resolves when `work` has, or after `ms`, whichever comes first: true if the work finished. */
async function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The poke of issue 27 item 3: an Event Grid trigger on the models container's blob events that makes the
 * instance it reaches read the repository now (`repository.poll()`, a blob repository's etag sync first)
 * instead of at its next MODEL_POLL_INTERVAL_S. Event Grid delivers each event to one instance: the others
 * still converge by polling. Outside MODEL_CONTROL_MODE=poll, or with a folder repository, the event is
 * acknowledged and ignored with a warning (an error would only make Event Grid deliver it again for a day).
 */
export function repositoryEventsFunction(opts: RepositoryEventsOptions = {}): EventGridFunctionDefinition {
  const scorerOf = opts.scorer ?? sharedScorer;
  const waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
  const pokes = new WeakMap<Scorer, PollCoalescer>();
  const handler = async (event: unknown, context: InvocationContext): Promise<void> => {
    const scorer = await scorerOf();
    const { modelControlMode: mode, modelRepository } = scorer.settings;
    const place = blobRepositoryPlace(modelRepository);
    if (mode !== 'poll' || !place) {
      const why =
        mode !== 'poll'
          ? `MODEL_CONTROL_MODE=${mode}: only poll mode follows the repository; set MODEL_CONTROL_MODE=poll, or remove the Event Grid subscription`
          : 'MODEL_REPOSITORY is a folder, not a blob container: nothing to read again on a storage event';
      context.warn(`model repository event ignored: ${why}`);
      reportOutcome(context, 'rejected', new Error(why));
      return;
    }
    const verdict = judgeEvent(event, place);
    if (!verdict.poll) {
      context.debug(`model repository event ignored: ${verdict.why}`);
      reportFields(context, { ignored: verdict.why });
      return;
    }
    reportFields(context, { blob: verdict.blob, eventType: verdict.type });
    let poke = pokes.get(scorer);
    if (!poke) pokes.set(scorer, (poke = new PollCoalescer(() => scorer.repository.poll())));
    if (!(await within(poke.request(), waitMs)))
      context.info(`the repository read for ${verdict.blob} goes on after this event was acknowledged`);
  };
  return { name: REPOSITORY_EVENTS_FUNCTION, options: { handler } };
}

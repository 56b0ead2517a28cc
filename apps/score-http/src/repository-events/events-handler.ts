import { allowedOrigin } from '@modelfn/functions';
import { blobRepositoryPlace, ScoringError, type Scorer } from '@modelfn/scoring';
import type { ScopedHandler, ScorerSource } from '../request-scope.js';
import { readBody } from '../request-input.js';
import { json } from '../respond.js';
import { PollCoalescer } from './poll-coalescer.js';
import { judgeEvent, readEvents, validationCode } from './storage-events.js';

/** Event Grid delivers at most 1 MB per request. */
const MAX_DELIVERY_BYTES = 1024 * 1024;

/**
 * How long a delivery waits for the repository read it asked for. Event Grid waits 30 s for an answer and
 * then delivers again; a read that downloads a large model takes longer, and goes on after the answer (the
 * instance's own poller would pick the change up anyway).
 */
const DEFAULT_WAIT_MS = 20_000;

export interface RepositoryEventsOptions {
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

/** Why this host takes no repository events, or undefined when it does (poll mode, a blob repository). */
function refusal(s: Scorer): string | undefined {
  const mode = s.settings.modelControlMode;
  if (mode !== 'poll')
    return `MODEL_CONTROL_MODE=${mode}: only poll mode follows the repository's events; set MODEL_CONTROL_MODE=poll, or delete the Event Grid subscription`;
  if (!blobRepositoryPlace(s.settings.modelRepository))
    return 'MODEL_REPOSITORY is a folder: storage events name blobs of a container; point MODEL_REPOSITORY at the container (blob:<container>), or delete the Event Grid subscription';
  return undefined;
}

/**
 * `POST /repository/events`, an Event Grid webhook (issue 27 item 3): a subscription to the models
 * container's blob events makes the instance a delivery reaches read the repository now
 * (`repository.poll()`, the blob sync first) instead of at its next MODEL_POLL_INTERVAL_S. It speaks Event
 * Grid's webhook protocol as the Functions host's extension does (`aeg-event-type`: the SubscriptionValidation
 * handshake, Notification, Unsubscribe; the CloudEvents OPTIONS handshake), as an HTTP function because on Flex
 * Consumption only the HTTP group's instances serve requests: an Event Grid trigger would run on instances
 * of its own. Event Grid delivers each event to one instance; the others converge by polling.
 * Outside poll mode, or with a folder repository, a delivery is refused 400 MODEL_CONTROL_DISABLED, which
 * Event Grid does not retry.
 */
export function repositoryEventsHandler(
  scorer: ScorerSource,
  opts: RepositoryEventsOptions = {},
): ScopedHandler {
  const waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
  const pokes = new WeakMap<Scorer, PollCoalescer>();
  return async (request, scope) => {
    if (request.method === 'OPTIONS') {
      const origin = request.headers.get('webhook-request-origin');
      return {
        status: 200,
        headers: {
          'webhook-allowed-origin': allowedOrigin(origin),
          allow: 'POST, OPTIONS',
        },
      };
    }
    const s = await scorer();
    const why = refusal(s);
    if (why) throw new ScoringError('MODEL_CONTROL_DISABLED', why);
    const kind = request.headers.get('aeg-event-type')?.toLowerCase();
    // `Unsubscribe` is the Functions host's word; Event Grid documents `SubscriptionDeletion` for it.
    if (kind === 'unsubscribe' || kind === 'subscriptiondeletion') return json(202, {});
    if (kind !== 'notification' && kind !== 'subscriptionvalidation')
      throw new ScoringError(
        'INVALID_INPUT',
        'set the aeg-event-type header to Notification (events) or SubscriptionValidation (handshake), as Event Grid does',
      );
    const raw = await readBody(request, Math.min(s.settings.maxRequestBytes, MAX_DELIVERY_BYTES));
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new ScoringError('INVALID_JSON', `the body is not JSON: ${(e as Error).message}`);
    }
    if (kind === 'subscriptionvalidation') {
      scope.log.info('Event Grid subscription to the model repository validated');
      return json(200, { validationResponse: validationCode(body) });
    }
    const events = readEvents(body);
    const place = blobRepositoryPlace(s.settings.modelRepository)!;
    const verdicts = events.map((e) => judgeEvent(e, place));
    const changed = verdicts.flatMap((v) => (v.poll ? [v.blob] : []));
    const ignored = verdicts.flatMap((v) => (v.poll ? [] : [v.why]));
    if (ignored.length > 0) scope.log.debug({ ignored }, 'repository events ignored');
    if (changed.length === 0)
      return json(200, { events: events.length, changes: 0, repository: 'unchanged' });
    let poke = pokes.get(s);
    if (!poke) pokes.set(s, (poke = new PollCoalescer(() => s.repository.poll())));
    const read = await within(poke.request(), waitMs);
    scope.log.info({ blobs: changed, read }, 'model repository read on its events');
    return json(read ? 200 : 202, {
      events: events.length,
      changes: changed.length,
      repository: read ? 'read' : 'reading',
    });
  };
}

// Service Bus link addresses and CBS audiences, e.g. `orders`, `orders/$DeadLetterQueue`,
// `orders/$management`, `$cbs`, or `sb://host:port/orders` (audiences are full URIs).

export const CBS_NODE = '$cbs';
export const DEAD_LETTER_SUFFIX = '$DeadLetterQueue';
const MANAGEMENT_SUFFIX = '$management';

export type SubQueue = 'active' | 'deadLetter';

export type NodeAddress =
  | { kind: 'cbs' }
  /** A queue (or its dead-letter sub-queue) that messages are sent to or received from. */
  | { kind: 'entity'; queue: string; subQueue: SubQueue }
  /** The request/response `$management` node of a queue or its dead-letter sub-queue. */
  | { kind: 'management'; queue: string; subQueue: SubQueue }
  | { kind: 'invalid'; reason: string };

export function parseAddress(raw: string | undefined): NodeAddress {
  if (!raw) return { kind: 'invalid', reason: 'the link has no address' };
  const path = stripEndpoint(raw);
  if (path.toLowerCase() === CBS_NODE) return { kind: 'cbs' };

  const parts = path.split('/').filter((p) => p.length > 0);
  let kind: 'entity' | 'management' = 'entity';
  if (parts.length > 1 && parts[parts.length - 1].toLowerCase() === MANAGEMENT_SUFFIX.toLowerCase()) {
    kind = 'management';
    parts.pop();
  }
  let subQueue: SubQueue = 'active';
  if (parts.length > 1 && parts[parts.length - 1].toLowerCase() === DEAD_LETTER_SUFFIX.toLowerCase()) {
    subQueue = 'deadLetter';
    parts.pop();
  }
  if (parts.length !== 1) {
    const hint = /\/subscriptions\//i.test(path) ? ' (topics and subscriptions are not supported)' : '';
    return { kind: 'invalid', reason: `'${path}' is not a queue address${hint}` };
  }
  return { kind, queue: parts[0], subQueue };
}

/** `sb://127.0.0.1:5672/orders/` → `orders`; a bare path is returned without surrounding slashes. */
function stripEndpoint(raw: string): string {
  const uri = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/?(.*)$/i.exec(raw);
  const path = uri ? uri[1] : raw;
  return path.replace(/^\/+|\/+$/g, '');
}

export function entityPath(queue: string, subQueue: SubQueue): string {
  return subQueue === 'deadLetter' ? `${queue}/${DEAD_LETTER_SUFFIX}` : queue;
}

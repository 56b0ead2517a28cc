import type { InvocationContext } from '@azure/functions';

/** What the Functions host tells us about one Service Bus message (trigger metadata). */
export interface MessageMeta {
  messageId?: string;
  correlationId?: string;
  replyTo?: string;
  contentType?: string;
  applicationProperties?: Record<string, unknown>;
  deliveryCount?: number;
}

type Meta = Record<string, unknown>;

function at(meta: Meta, key: string, index: number | undefined): unknown {
  if (index === undefined) return meta[key];
  const arr = meta[`${key}Array`];
  return Array.isArray(arr) ? arr[index] : undefined;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Per-message metadata: with `cardinality: 'many'` the host sends parallel arrays (`messageIdArray`, ...),
 * with one message plain values.
 */
export function messageMeta(context: InvocationContext, index?: number): MessageMeta {
  const meta = (context.triggerMetadata ?? {}) as Meta;
  const props = at(meta, 'applicationProperties', index);
  const count = at(meta, 'deliveryCount', index);
  return {
    messageId: str(at(meta, 'messageId', index)),
    correlationId: str(at(meta, 'correlationId', index)),
    replyTo: str(at(meta, 'replyTo', index)),
    contentType: str(at(meta, 'contentType', index)),
    applicationProperties:
      props && typeof props === 'object' ? (props as Record<string, unknown>) : undefined,
    deliveryCount: typeof count === 'number' ? count : undefined,
  };
}

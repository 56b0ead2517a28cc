import type { ServiceBusReceivedMessage } from '@azure/service-bus';

const FIELDS = [
  'messageId',
  'correlationId',
  'replyTo',
  'contentType',
  'applicationProperties',
  'deliveryCount',
  'subject',
  'enqueuedTimeUtc',
  'lockToken',
] as const;

function fieldsOf(m: ServiceBusReceivedMessage): Record<(typeof FIELDS)[number], unknown> {
  return {
    messageId: m.messageId === undefined ? undefined : String(m.messageId),
    correlationId: m.correlationId === undefined ? undefined : String(m.correlationId),
    replyTo: m.replyTo,
    contentType: m.contentType,
    applicationProperties: m.applicationProperties ?? {},
    deliveryCount: m.deliveryCount,
    subject: m.subject,
    enqueuedTimeUtc: m.enqueuedTimeUtc?.toISOString(),
    lockToken: m.lockToken,
  };
}

/**
 * Trigger metadata as the Functions host builds it: plain values for one message, parallel `<field>Array`
 * values for a batch (`cardinality: 'many'`).
 */
export function triggerMetadata(
  messages: ServiceBusReceivedMessage[],
  many: boolean,
): Record<string, unknown> {
  if (!many) return fieldsOf(messages[0]);
  const out: Record<string, unknown[]> = {};
  for (const f of FIELDS) out[`${f}Array`] = messages.map((m) => fieldsOf(m)[f]);
  return out;
}

/** The body as the Functions worker hands it to JavaScript: JSON parsed when it is JSON, bytes otherwise. */
export function triggerBody(m: ServiceBusReceivedMessage): unknown {
  const body: unknown = m.body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
    const text = Buffer.from(body as Uint8Array);
    const looksJson = (m.contentType ?? '').includes('json') || (text[0] === 0x7b && text.at(-1) === 0x7d);
    if (looksJson) {
      try {
        return JSON.parse(text.toString('utf8'));
      } catch {
        return text;
      }
    }
    return text;
  }
  return body;
}

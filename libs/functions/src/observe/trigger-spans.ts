import type { InvocationContext } from '@azure/functions';
import type { TraceCarrier } from '@modelfn/telemetry';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { TriggerName } from '../adapter/trigger-request.js';

/**
 * What the invocation span of one trigger looks like, read from what that trigger hands every handler (its
 * input and the invocation context), so that an app only has to say which trigger it is.
 */
export interface TriggerSpan {
  name(functionName: string): string;
  /** The span's kind when it is the invocation's own (no Functions host span above it): the local host. */
  kind: SpanKind.SERVER | SpanKind.CONSUMER;
  /** The trace context the input came with, the span's parent on the local host (Azure's host read it already). */
  carrier?(input: unknown, context: InvocationContext): TraceCarrier | undefined;
  /** Trace contexts of several inputs handled at once (a batch), linked from the span. */
  links?(input: unknown, context: InvocationContext): TraceCarrier[];
  /** The trigger's facts known before the handler runs; asked only for a recording span. */
  attributes(input: unknown, context: InvocationContext): Attributes;
}

/** OpenTelemetry's `faas.trigger` values. */
const FAAS_TRIGGER: Record<TriggerName, string> = {
  http: 'http',
  blob: 'datasource',
  servicebus: 'pubsub',
  queue: 'pubsub',
};

type Meta = Record<string, unknown>;

const metaOf = (context: InvocationContext): Meta => (context.triggerMetadata ?? {}) as Meta;

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

const asCarrier = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);

/**
 * Each Service Bus message's application properties (where `traceparent` or `Diagnostic-Id` travel): with
 * `cardinality: 'many'` the host sends them as one array beside the batch, with one message as a plain value.
 */
function messageProperties(context: InvocationContext): (Record<string, unknown> | undefined)[] {
  const meta = metaOf(context);
  const many = meta.applicationPropertiesArray;
  return Array.isArray(many) ? many.map(asCarrier) : [asCarrier(meta.applicationProperties)];
}

function common(trigger: TriggerName, context: InvocationContext): Attributes {
  return {
    'faas.trigger': FAAS_TRIGGER[trigger],
    'modelfn.trigger': trigger,
    ...(context.invocationId ? { 'faas.invocation_id': context.invocationId } : {}),
  };
}

const http: TriggerSpan = {
  name: (fn) => `HTTP ${fn}`,
  kind: SpanKind.SERVER,
  carrier: (input) => (input as { headers?: TraceCarrier }).headers,
  attributes: (input, context) => ({
    ...common('http', context),
    'http.request.method': (input as { method?: string }).method ?? 'GET',
  }),
};

const blob: TriggerSpan = {
  name: (fn) => `Blob ${fn}`,
  // A blob brings no caller trace context: locally the span starts a trace of its own.
  kind: SpanKind.CONSUMER,
  attributes: (_, context) => {
    const name = text(metaOf(context).name);
    return { ...common('blob', context), ...(name ? { 'modelfn.blob.name': name } : {}) };
  },
};

const servicebus: TriggerSpan = {
  // The name dashboards and the end-to-end telemetry test know: an invocation takes a batch of messages.
  name: () => 'ServiceBus batch',
  kind: SpanKind.CONSUMER,
  // A lone message's trace is the invocation's; a batch's messages are in traces of their own, linked.
  carrier: (_, context) => {
    const props = messageProperties(context);
    return props.length === 1 ? props[0] : undefined;
  },
  links: (_, context) => {
    const props = messageProperties(context);
    return props.length > 1 ? props.filter((p) => p !== undefined) : [];
  },
  attributes: (input, context) => ({
    ...common('servicebus', context),
    'messaging.system': 'servicebus',
    'messaging.batch.message_count': Array.isArray(input) ? input.length : 1,
  }),
};

const queue: TriggerSpan = {
  name: (fn) => `Queue ${fn}`,
  // A storage queue message has no properties to carry a trace context in.
  kind: SpanKind.CONSUMER,
  attributes: (_, context) => {
    const id = text(metaOf(context).id);
    return { ...common('queue', context), ...(id ? { 'messaging.message.id': id } : {}) };
  },
};

export const triggerSpans: Record<TriggerName, TriggerSpan> = { http, blob, servicebus, queue };

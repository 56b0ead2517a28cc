import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { InvocationReport } from './invocation-report.js';

/** Report fields with a name of their own in OpenTelemetry's conventions; others become `modelfn.<snake_case>`. */
const NAMED: Record<string, string> = {
  requestId: 'modelfn.request_id',
  status: 'http.response.status_code',
  messages: 'messaging.batch.message_count',
  replyTo: 'messaging.destination.name',
};

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function attributeValue(v: unknown): AttributeValue | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

/**
 * What a handler reported (reportScored, reportOutcome, reportFields) as the invocation span's attributes:
 * the same facts the invocation's log line and metrics carry, so a trace tells which model answered, how the
 * cache did and how the invocation ended. A batch of several models names them all, without one cache value.
 */
export function reportAttributes(report: InvocationReport): Attributes {
  const attributes: Attributes = {};
  const models = new Set<string>();
  const caches = new Set<string>();
  for (const key of report.scored.keys()) {
    const [model, cache] = key.split('\u0000');
    models.add(model);
    caches.add(cache);
  }
  if (models.size > 0) attributes['modelfn.model'] = [...models].join(',');
  const [cache] = caches;
  if (caches.size === 1 && cache !== 'none') attributes['modelfn.cache'] = cache;
  if (report.outcome) attributes['modelfn.outcome'] = report.outcome;
  for (const [name, value] of Object.entries(report.fields)) {
    const v = attributeValue(value);
    if (v !== undefined) attributes[NAMED[name] ?? `modelfn.${snake(name)}`] = v;
  }
  return attributes;
}

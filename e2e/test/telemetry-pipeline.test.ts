// One telemetry pipeline, on the system exactly as `npm start` runs it with OTEL_EXPORTER_OTLP_ENDPOINT set:
// an OTLP/HTTP receiver in this process gets, for an HTTP request, a blob and a Service Bus message, one
// SERVER or CONSUMER span per invocation with the model-run spans under it, and log records in its trace.
// The SDK is registered in the host process before the apps load, as in production; spans and log records
// still buffered are sent when the host shuts down, which the test waits for before it reads anything.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, upload, waitForBlob } from './support/clients.js';
import { png, row } from './support/digits.js';
import { startSystem, type System } from './support/system.js';

type Value = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
type KeyValue = { key: string; value: Value };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValue[];
}
interface OtlpLogRecord {
  traceId?: string;
  spanId?: string;
  body?: Value;
  attributes?: KeyValue[];
}

// OTLP's SpanKind numbers (SPAN_KIND_SERVER, SPAN_KIND_CONSUMER).
const SERVER = 2;
const CONSUMER = 5;

const spans: OtlpSpan[] = [];
const logRecords: OtlpLogRecord[] = [];

/** The receiver: OTLP/HTTP with JSON bodies, as the OTLP exporters the host uses send them. */
const receiver = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  if (req.url === '/v1/traces')
    for (const r of body.resourceSpans as { scopeSpans: { spans: OtlpSpan[] }[] }[])
      for (const s of r.scopeSpans) spans.push(...s.spans);
  if (req.url === '/v1/logs')
    for (const r of body.resourceLogs as { scopeLogs: { logRecords: OtlpLogRecord[] }[] }[])
      for (const s of r.scopeLogs) logRecords.push(...s.logRecords);
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

const attr = (item: { attributes?: KeyValue[] }, key: string) => {
  const v = item.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.boolValue;
};

/** What the receiver got for one invocation, found by its SERVER or CONSUMER span. */
function invocation(name: string, which: (s: OtlpSpan) => boolean) {
  const [entry] = spans.filter((s) => s.name === name && which(s));
  if (!entry) throw new Error(`no such ${name} span among ${spans.map((s) => s.name).join(', ')}`);
  const inTrace = spans.filter((s) => s.traceId === entry.traceId);
  const byId = new Map(inTrace.map((s) => [s.spanId, s]));
  const underEntry = (s: OtlpSpan): boolean => {
    for (let at: OtlpSpan | undefined = s; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined)
      if (at.spanId === entry.spanId) return true;
    return false;
  };
  return {
    entry,
    /** Every SERVER or CONSUMER span of the invocation's trace. */
    requests: inTrace.filter((s) => s.kind === SERVER || s.kind === CONSUMER),
    modelRuns: inTrace.filter((s) => s.name.startsWith('modelfn.')),
    underEntry,
    logs: logRecords.filter((l) => l.traceId === entry.traceId),
    spanIds: new Set(byId.keys()),
  };
}

function expectOnePipeline(found: ReturnType<typeof invocation>, kind: number, invocationLine: string) {
  expect(found.entry.kind).toBe(kind);
  expect(found.requests.map((s) => s.name)).toEqual([found.entry.name]);
  const runs = found.modelRuns.map((s) => s.name);
  expect(runs).toEqual(expect.arrayContaining(['modelfn.infer', 'modelfn.queue.wait', 'modelfn.inference']));
  for (const run of found.modelRuns) expect(found.underEntry(run), run.name).toBe(true);
  // The invocation's own log line (written after its span ended) is among its trace's records, and every
  // record of the trace names one of the trace's spans.
  const line = found.logs.find((l) => l.body?.stringValue === invocationLine);
  expect(line, found.logs.map((l) => l.body?.stringValue).join(', ')).toBeDefined();
  expect(attr(line!, 'invocationId')).toEqual(expect.any(String));
  for (const l of found.logs) expect(found.spanIds.has(l.spanId!), l.body?.stringValue).toBe(true);
}

let sys: System | undefined;
let replyTrace: string | undefined;

beforeAll(async () => {
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  sys = await startSystem(undefined, {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    // A successful HTTP invocation's line is at debug.
    LOG_LEVEL: 'debug',
    // One process loads the models (CI's memory), whatever the environment says.
    LOCAL_HOST_WORKERS: '1',
  });
  // One invocation after another, each with digits of its own: batched inference joins the trace of the
  // batch's oldest request, so overlapping invocations could share one.
  await upload(sys.storage, 'otel-blob.png', await png(22));
  await waitForBlob(sys.storage, 'predictions', 'otel-blob.png.json');
  const sb = new ServiceBusClient(sys.servicebus);
  try {
    const sender = sb.createSender('scoring-requests');
    await sender.sendMessages({ body: { data: [row(23)] }, correlationId: 'otel-sb' });
    await sender.close();
    const reply = (await replies(sb, ['otel-sb'])).get('otel-sb');
    replyTrace = String(reply?.applicationProperties?.traceparent).split('-')[1];
  } finally {
    await sb.close();
  }
  // Last, right before the stop: its spans and log records are then most likely still buffered, and come
  // with the host's shutdown.
  const res = await fetch(`${sys.url}/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'otel-http' },
    body: JSON.stringify({ data: [row(21)] }),
  });
  expect(res.status).toBe(200);
  expect(await sys.stop()).toBe(0);
}, 120_000);

afterAll(async () => {
  await sys?.stop('SIGKILL');
  await new Promise((r) => receiver.close(r));
});

describe('one telemetry pipeline (npm start, OTLP)', () => {
  it('HTTP: one SERVER span, the model runs under it, the log records in its trace', () => {
    const found = invocation('HTTP score', (s) => attr(s, 'modelfn.request_id') === 'otel-http');
    expectOnePipeline(found, SERVER, 'http score ok');
  });

  it('blob: one CONSUMER span, the model runs under it, the log records in its trace', () => {
    const found = invocation('Blob scoreBlob', (s) => attr(s, 'modelfn.blob.name') === 'otel-blob.png');
    expectOnePipeline(found, CONSUMER, 'blob scoreBlob ok');
  });

  it("Service Bus: one CONSUMER span in the reply's trace, the model runs under it, the log records too", () => {
    expect(replyTrace).toMatch(/^[0-9a-f]{32}$/);
    const found = invocation('ServiceBus batch', (s) => s.traceId === replyTrace);
    expectOnePipeline(found, CONSUMER, 'servicebus scoreQueue ok');
  });
});

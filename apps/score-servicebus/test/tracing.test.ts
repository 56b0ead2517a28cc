import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';
import type { InvocationContext } from '@azure/functions';
import { observeInvocation } from '@modelfn/functions';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { startTelemetry, type Telemetry } from '@modelfn/telemetry';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scoreMessages } from '../src/score-messages.js';
import { receive, startAppOnEmulator, type AppOnEmulator } from './support/app-on-emulator.js';

// The SDK as the telemetry module registers it (in-memory exporter), the app's handler on the local host's
// Service Bus source, the AMQP emulator and the real @azure/service-bus client.
const exporter = new InMemorySpanExporter();
const MODELS = resolve(import.meta.dirname, '../../../models');
const row = (v: number) => Array.from({ length: 784 }, (_, i) => ((i * 3 + v) % 17) / 16);
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

let telemetry: Telemetry | undefined;
let app: AppOnEmulator | undefined;
let client: ServiceBusClient;
let scorer: Scorer;

beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'score-servicebus',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  scorer = await createScorer(
    readSettings({ MODEL_REPOSITORY: MODELS, DEFAULT_MODEL: 'mnist', CACHE_MODE: 'memory' }),
  );
  // Wrapped as functions.ts wraps the app's handler: the batch span is the library's.
  app = await startAppOnEmulator(
    observeInvocation('servicebus', (messages: unknown, context: InvocationContext) =>
      scoreMessages(messages as unknown[], context, true, scorer),
    ),
    { maxConcurrentCalls: 1 },
  );
  client = app.client;
});

afterAll(async () => {
  await app?.close();
  await scorer?.close();
  await telemetry?.shutdown();
});
beforeEach(() => exporter.reset());

const replies = (n: number) => receive(client, 'scoring-replies', n);

async function oneReply(): Promise<ServiceBusReceivedMessage> {
  const [m] = await replies(1);
  if (!m) throw new Error('no reply within 20 s');
  return m;
}

const spansIn = (traceId: string) =>
  exporter.getFinishedSpans().filter((s: ReadableSpan) => s.spanContext().traceId === traceId);

async function send(body: unknown, applicationProperties: Record<string, string>, id: string) {
  const sender = client.createSender('scoring-requests');
  await sender.sendMessages({
    body,
    contentType: 'application/json',
    correlationId: id,
    applicationProperties,
  });
  await sender.close();
}

describe('Service Bus traces', () => {
  it('a message with a traceparent: the reply carries the trace context, the spans are in that trace', async () => {
    await send({ data: [row(1)] }, { traceparent: `00-${TRACE}-${PARENT}-01` }, 'traced-1');
    const reply = await oneReply();
    expect(reply.correlationId).toBe('traced-1');
    expect(reply.applicationProperties?.status).toBe('ok');
    const traceparent = String(reply.applicationProperties?.traceparent);
    const [, traceId, spanId] = traceparent.split('-');
    expect(traceId).toBe(TRACE);
    expect(reply.applicationProperties?.['Diagnostic-Id']).toBe(traceparent);
    await new Promise((r) => setTimeout(r, 50));
    const spans = spansIn(TRACE);
    const names = spans.map((s) => s.name);
    // The reply's context is its send span, a child of the request message's.
    const [sendSpan] = spans.filter((s) => s.name === 'send scoring-replies');
    expect(sendSpan, names.join(', ')).toBeDefined();
    expect(sendSpan.spanContext().spanId).toBe(spanId);
    expect(sendSpan.attributes).toMatchObject({
      'modelfn.model': 'mnist',
      'modelfn.model.version': '1',
      'modelfn.cache': 'miss',
      'modelfn.reply.status': 'ok',
    });
    // One message in the invocation: the batch and the scoring spans join its trace too.
    for (const name of ['ServiceBus batch', 'modelfn.decode', 'modelfn.infer', 'modelfn.inference'])
      expect(names, name).toContain(name);
    const [infer] = spans.filter((s) => s.name === 'modelfn.infer');
    expect(infer.attributes).toMatchObject({ 'modelfn.model': 'mnist', 'modelfn.cache': 'miss' });
  });

  it('messages of one batch: each reply in its own trace, the batch span in or linked to each', async () => {
    const traces = ['6bf92f3577b34da6a3ce929d0e0e4731', '6bf92f3577b34da6a3ce929d0e0e4732'];
    const sender = client.createSender('scoring-requests');
    await sender.sendMessages(
      traces.map((t, i) => ({
        body: { data: [row(10 + i)] },
        contentType: 'application/json',
        correlationId: `batch-${i}`,
        applicationProperties: { traceparent: `00-${t}-${PARENT}-01` },
      })),
    );
    await sender.close();
    const got = await replies(2);
    expect(got).toHaveLength(2);
    for (const reply of got) {
      const i = Number(String(reply.correlationId).split('-')[1]);
      expect(String(reply.applicationProperties?.traceparent).split('-')[1]).toBe(traces[i]);
    }
    await new Promise((r) => setTimeout(r, 50));
    const batches = exporter.getFinishedSpans().filter((s) => s.name === 'ServiceBus batch');
    for (const t of traces) {
      const covered = batches.some(
        (b) => b.spanContext().traceId === t || b.links.some((l) => l.context.traceId === t),
      );
      expect(covered, t).toBe(true);
    }
  });

  it("a message with the Azure SDK's Diagnostic-Id: the reply is in its trace as well, error replies too", async () => {
    const trace2 = '5bf92f3577b34da6a3ce929d0e0e4737';
    await send({ nothing: true }, { 'Diagnostic-Id': `00-${trace2}-${PARENT}-01` }, 'traced-2');
    const reply = await oneReply();
    expect(reply.applicationProperties?.status).toBe('error');
    expect(String(reply.applicationProperties?.traceparent).split('-')[1]).toBe(trace2);
    await new Promise((r) => setTimeout(r, 50));
    const [sendSpan] = spansIn(trace2).filter((s) => s.name === 'send scoring-replies');
    expect(sendSpan.attributes['modelfn.reply.status']).toBe('error');
  });
});

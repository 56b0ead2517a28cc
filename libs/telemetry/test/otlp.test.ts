import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { inIncomingSpan, pinoTelemetry, startTelemetry, type Telemetry } from '../src/index.js';

// A real OTLP/HTTP receiver on a local port: what the SDK that startTelemetry registers sends it.
const received: { path: string; body: string }[] = [];
const server = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
let telemetry: Telemetry | undefined;

afterAll(() => new Promise((r) => server.close(r)));

describe('startTelemetry', () => {
  it('does nothing without a setting that asks for it', async () => {
    expect(await startTelemetry({ serviceName: 'x', env: {} })).toBeUndefined();
    expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(false);
  });

  it('exports spans and log records over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, with the service name', async () => {
    telemetry = await startTelemetry({
      serviceName: 'score-test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    });
    expect(telemetry?.exporters).toEqual(['otlp']);
    const span = trace.getTracer('t').startSpan('modelfn.test-span');
    expect(span.isRecording()).toBe(true);
    // The W3C propagator is registered too: a traceparent goes out in the span's trace.
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    expect(carrier.traceparent).toContain(span.spanContext().traceId);
    span.end();
    // A pino line inside a request's span: a log record in that trace, sent by the shutdown at the latest.
    const log = pino(
      { mixin: pinoTelemetry.mixin, hooks: { streamWrite: pinoTelemetry.streamWrite } },
      { write: () => undefined },
    );
    const request = await inIncomingSpan('HTTP score', {}, async (s) => {
      log.info({ requestId: 'otlp-1' }, 'scored over OTLP');
      return s.spanContext();
    });
    await telemetry!.shutdown();
    const body = (path: string) =>
      received
        .filter((r) => r.path === path)
        .map((t) => t.body)
        .join('\n');
    expect(body('/v1/traces')).toContain('modelfn.test-span');
    expect(body('/v1/traces')).toContain('score-test');
    const logs = body('/v1/logs');
    expect(logs).toContain('scored over OTLP');
    expect(logs).toContain('otlp-1');
    expect(logs).toContain(request.traceId);
    expect(logs).toContain('score-test');
  });
});

// The Azure Monitor path (APPLICATIONINSIGHTS_CONNECTION_STRING) against a stand-in ingestion endpoint on
// loopback: the distro's exporter speaks only HTTPS, so the endpoint has a throwaway certificate this
// process trusts. What it receives is what Application Insights would store: requests, dependencies and
// traces (log lines), tied together by ai.operation.id (the trace id) and ai.operation.parentId.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { throwawayCertificate } from '@modelfn/identity/testing';
import { context, propagation } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Loaded before the distro is registered, as the apps' telemetry.ts loads it: its tracer is from the API's
// proxy provider, which the distro replaces.
import { inIncomingSpan, pinoTelemetry, startTelemetry, type Telemetry } from '../src/index.js';

interface Envelope {
  name: string;
  tags: Record<string, string>;
  data: {
    baseType: string;
    baseData: { name?: string; message?: string; properties?: Record<string, string> };
  };
}

const envelopes: Envelope[] = [];
const dir = mkdtempSync(join(tmpdir(), 'modelfn-ai-'));
const { certPath, keyPath } = throwawayCertificate(dir);
const cert = readFileSync(certPath, 'utf8');
tls.setDefaultCACertificates([...tls.getCACertificates('default'), cert]);
const ingestion = createServer({ cert, key: readFileSync(keyPath) }, async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
  if (req.url === '/v2.1/track') envelopes.push(...(JSON.parse(body.toString('utf8')) as Envelope[]));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
});

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const HOST_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HOST_SPAN = '00f067aa0ba902b7';
let telemetry: Telemetry | undefined;
let local: { spanId: string } | undefined;
let inAzure: { spanId: string } | undefined;

beforeAll(async () => {
  ingestion.listen(0, '127.0.0.1');
  await once(ingestion, 'listening');
  // The distro samples at most 5 traces a second by default, starting from none; this test wants each.
  process.env.OTEL_TRACES_SAMPLER = 'always_on';
  telemetry = await startTelemetry({
    serviceName: 'score-test',
    env: {
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        'InstrumentationKey=00000000-0000-0000-0000-000000000001;' +
        `IngestionEndpoint=https://127.0.0.1:${(ingestion.address() as AddressInfo).port}/`,
    },
  });
  expect(telemetry?.exporters).toEqual(['azure-monitor']);
  const log = pino(
    { mixin: pinoTelemetry.mixin, hooks: { streamWrite: pinoTelemetry.streamWrite } },
    { write: () => undefined },
  );
  local = await inIncomingSpan(
    'HTTP score',
    { carrier: { traceparent: `00-${CALLER_TRACE}-b7ad6b7169203331-01` } },
    async (span) => (log.info({ requestId: 'ai-local' }, 'scored on the local host'), span.spanContext()),
  );
  const host = propagation.extract(context.active(), { traceparent: `00-${HOST_TRACE}-${HOST_SPAN}-01` });
  inAzure = await context.with(host, () =>
    inIncomingSpan('HTTP score', {}, async (span) => (log.info('scored in Azure'), span.spanContext())),
  );
  await telemetry!.shutdown();
}, 60_000);

afterAll(async () => {
  await new Promise((r) => ingestion.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const ofTrace = (traceId: string, baseType: string) =>
  envelopes.filter((e) => e.tags['ai.operation.id'] === traceId && e.data.baseType === baseType);

describe('Azure Monitor (Application Insights) export', () => {
  it("records the local host's request span as the request, its log line as a trace under it", () => {
    const [request] = ofTrace(CALLER_TRACE, 'RequestData');
    expect(request?.data.baseData.name).toBe('HTTP score');
    const [line] = ofTrace(CALLER_TRACE, 'MessageData');
    expect(line?.data.baseData.message).toBe('scored on the local host');
    expect(line?.data.baseData.properties?.requestId).toBe('ai-local');
    expect(line?.tags['ai.operation.parentId']).toBe(local?.spanId);
  });

  it("adds no request of its own under the Functions host's span: the host records that one", () => {
    expect(ofTrace(HOST_TRACE, 'RequestData')).toEqual([]);
    const [dependency] = ofTrace(HOST_TRACE, 'RemoteDependencyData');
    expect(dependency?.data.baseData.name).toBe('HTTP score');
    expect(dependency?.tags['ai.operation.parentId']).toBe(HOST_SPAN);
    const [line] = ofTrace(HOST_TRACE, 'MessageData');
    expect(line?.tags['ai.operation.parentId']).toBe(inAzure?.spanId);
  });
});

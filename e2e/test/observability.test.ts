// Every trigger is observed the same way (invocation hooks): one structured log line per invocation and the
// modelfn_invocation* series in /metrics. Asserted here for the blob and Service Bus triggers, on the
// system exactly as `npm start` runs it.
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, upload, waitForBlob } from './support/clients.js';
import { png, row } from './support/digits.js';
import { startSystem, type System } from './support/system.js';

interface LogLine {
  invocationId?: string;
  trigger?: string;
  function?: string;
  model?: string;
  cache?: unknown;
  outcome?: string;
  ms?: number;
  error?: string;
}

describe('observability of the blob and Service Bus triggers (npm start)', () => {
  let sys: System;
  let sb: ServiceBusClient;

  beforeAll(async () => {
    sys = await startSystem(undefined, { LOG_LEVEL: 'info' });
    sb = new ServiceBusClient(sys.servicebus);
  });

  afterAll(async () => {
    await sb?.close();
    expect(await sys?.stop()).toBe(0);
  });

  /** The JSON log lines of the host process that describe an invocation. */
  function invocationLines(): LogLine[] {
    return sys
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.invocationId !== undefined && l.outcome !== undefined);
  }

  async function metric(pattern: RegExp): Promise<number> {
    const text = await (await fetch(`${sys.url}/metrics`)).text();
    return Number(pattern.exec(text)?.[1] ?? 0);
  }

  it('logs and counts a scored blob and a refused one', async () => {
    await upload(sys.storage, 'observed.png', await png(11));
    await upload(sys.storage, 'observed-bad.png', Buffer.from('not an image'));
    await waitForBlob(sys.storage, 'predictions', 'observed.png.json');
    const record = (await waitForBlob(sys.storage, 'predictions', 'observed-bad.png.error.json')) as {
      code: string;
    };

    const lines = invocationLines().filter((l) => l.trigger === 'blob');
    expect(lines.find((l) => l.outcome === 'ok')).toMatchObject({
      invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      function: 'scoreBlob',
      model: 'mnist',
      cache: 'miss',
      ms: expect.any(Number),
    });
    expect(lines.find((l) => l.outcome === 'rejected')).toMatchObject({
      function: 'scoreBlob',
      error: expect.stringContaining(record.code),
    });

    const ok = /^modelfn_invocations_total\{trigger="blob",function="scoreBlob",outcome="ok"\} (\d+)$/m;
    const rejected =
      /^modelfn_invocations_total\{trigger="blob",function="scoreBlob",outcome="rejected"\} (\d+)$/m;
    expect(await metric(ok)).toBeGreaterThanOrEqual(1);
    expect(await metric(rejected)).toBeGreaterThanOrEqual(1);
    expect(
      await metric(
        /^modelfn_invocation_duration_seconds_count\{trigger="blob",function="scoreBlob",outcome="ok"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await metric(
        /^modelfn_invocation_items_total\{trigger="blob",function="scoreBlob",model="mnist",version="1",cache="miss"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('logs and counts a batch of messages, then a message that only gets an error reply', async () => {
    const sender = sb.createSender('scoring-requests');
    await sender.sendMessages({ body: { data: [row(12)] }, correlationId: 'obs-ok' });
    expect((await replies(sb, ['obs-ok'])).size).toBe(1);
    await sender.sendMessages({ body: { nothing: true }, correlationId: 'obs-bad' });
    const bad = await replies(sb, ['obs-bad']);
    expect(bad.get('obs-bad')?.applicationProperties?.status).toBe('error');
    await sender.close();

    const lines = invocationLines().filter((l) => l.trigger === 'servicebus');
    expect(lines.find((l) => l.outcome === 'ok')).toMatchObject({
      invocationId: expect.any(String),
      function: 'scoreQueue',
      model: 'mnist',
      cache: 'miss',
      ms: expect.any(Number),
    });
    expect(lines.find((l) => l.outcome === 'rejected')).toMatchObject({ function: 'scoreQueue' });

    for (const outcome of ['ok', 'rejected']) {
      const re = new RegExp(
        `^modelfn_invocations_total\\{trigger="servicebus",function="scoreQueue",outcome="${outcome}"\\} (\\d+)$`,
        'm',
      );
      expect(await metric(re)).toBeGreaterThanOrEqual(1);
    }
    expect(
      await metric(
        /^modelfn_invocation_items_total\{trigger="servicebus",function="scoreQueue",model="mnist",version="1",cache="miss"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts HTTP invocations in the same series, with the x-cache outcome, and only there', async () => {
    const res = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [row(13)] }),
    });
    expect(res.status).toBe(200);
    expect(
      await metric(/^modelfn_invocations_total\{trigger="http",function="score",outcome="ok"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(1);
    const cache = res.headers.get('x-cache');
    expect(
      await metric(
        new RegExp(
          `^modelfn_invocation_items_total\\{trigger="http",function="score",model="mnist",version="1",cache="${cache}"\\} (\\d+)$`,
          'm',
        ),
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(await (await fetch(`${sys.url}/metrics`)).text()).not.toMatch(/^modelfn_http_/m);
  });
});

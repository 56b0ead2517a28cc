import { ServiceBusClient } from '@azure/service-bus';
import { startAzurite, startRedisServer, type RunningAzurite, type RedisServer } from '@modelfn/local-host';
import { startServiceBusEmulator, type ServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, upload, waitForBlob } from './support/clients.js';
import { mnist, png } from './support/digits.js';
import { freePorts, startSystem, type Ports, type System } from './support/system.js';

/**
 * Faults from docs/reliability.md. Redis, Azurite and the broker run in this process (not inside the host)
 * so each can be killed on its own, and the host can be killed while they keep its work.
 */
describe('faults: nothing is lost', () => {
  let ports: Ports;
  let redis: RedisServer;
  let azurite: RunningAzurite;
  let emulator: ServiceBusEmulator;
  let sys: System;
  let sb: ServiceBusClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'modelfn-azurite-'));
  const env = () => ({
    REDIS_URL: redis.url,
    AzureWebJobsStorage: azurite.connectionString,
    ServiceBusConnection: emulator.connectionString,
  });

  beforeAll(async () => {
    ports = await freePorts();
    redis = await startRedisServer({ port: ports.redis });
    azurite = await startAzurite({
      blobPort: ports.blob,
      queuePort: ports.queue,
      tablePort: ports.table,
      location: dataDir,
    });
    emulator = await startServiceBusEmulator({
      port: 0,
      queues: { 'scoring-requests': { lockDurationMs: 2000 }, 'scoring-replies': {} },
    });
    sys = await startSystem(ports, env());
    sb = new ServiceBusClient(emulator.connectionString);
  });

  afterAll(async () => {
    await sb?.close();
    await sys?.stop('SIGKILL');
    await emulator?.close();
    await azurite?.stop();
    await redis?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function score(i: number): Promise<{ status: number; cache: string | null; label: unknown }> {
    const r = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await png(i),
    });
    return { status: r.status, cache: r.headers.get('x-cache'), label: ((await r.json()) as unknown[])[0] };
  }

  it('Redis killed mid-load and restarted: every request answered correctly, cache used again after restart', async () => {
    const results: { status: number; cache: string | null; label: unknown; i: number }[] = [];
    for (let k = 0; k < 60; k++) {
      const i = k % 20;
      if (k === 20) process.kill(redis.pid, 'SIGKILL');
      if (k === 40) redis = await startRedisServer({ port: ports.redis });
      results.push({ ...(await score(i)), i });
    }
    expect(results.every((r) => r.status === 200)).toBe(true);
    const right = results.filter((r) => r.label === mnist.labels[r.i]).length;
    expect(right / results.length).toBeGreaterThanOrEqual(0.95);
    expect(results.slice(22, 40).every((r) => r.cache === 'bypass')).toBe(true);
    // The breaker lets a probe through within ~2 s of the restart; by then entries are written again.
    const deadline = Date.now() + 10_000;
    let cache: string | null = null;
    while (cache !== 'hit' && Date.now() < deadline) {
      await score(999);
      cache = (await score(999)).cache;
      if (cache !== 'hit') await new Promise((r) => setTimeout(r, 250));
    }
    expect(cache).toBe('hit');
    console.log(
      `redis fault: ${results.length} requests, all 200, ${results.filter((r) => r.cache === 'bypass').length} bypassed the cache while Redis was down`,
    );
  });

  it('Azurite restarted mid-batch: every blob still gets its result', async () => {
    const n = 30;
    for (let k = 0; k < n; k++) {
      await upload(azurite.connectionString, `azr/${k}.png`, await png(300 + k));
      if (k === 10) {
        await azurite.stop();
        azurite = await startAzurite({
          blobPort: ports.blob,
          queuePort: ports.queue,
          tablePort: ports.table,
          location: dataDir,
        });
      }
    }
    let right = 0;
    for (let k = 0; k < n; k++) {
      const r = (await waitForBlob(azurite.connectionString, 'predictions', `azr/${k}.png.json`, 30_000)) as {
        label: number;
      };
      if (r.label === mnist.labels[300 + k]) right++;
    }
    expect(right / n).toBeGreaterThanOrEqual(0.9);
    console.log(`azurite fault: ${n} blobs uploaded across a restart, ${n} results`);
  });

  it('host killed (SIGKILL) mid-load and restarted: every blob and every message answered', async () => {
    const n = 60;
    const sender = sb.createSender('scoring-requests');
    await sender.sendMessages(
      Array.from({ length: n }, (_, k) => ({
        body: { data: [Array.from(mnist.images.subarray((400 + k) * 784, (401 + k) * 784), (p) => p / 255)] },
        correlationId: `kill-${k}`,
      })),
    );
    await sender.close();
    for (let k = 0; k < n; k++) await upload(azurite.connectionString, `kill/${k}.png`, await png(500 + k));
    await sys.stop('SIGKILL');
    sys = await startSystem(ports, env());
    const got = await replies(
      sb,
      Array.from({ length: n }, (_, k) => `kill-${k}`),
      40_000,
    );
    expect(got.size).toBe(n);
    for (let k = 0; k < n; k++)
      await waitForBlob(azurite.connectionString, 'predictions', `kill/${k}.png.json`, 30_000);
    expect(emulator.queueDepth('scoring-requests')).toMatchObject({ active: 0, deadLettered: 0 });
    console.log(`host kill: ${n} messages -> ${got.size} replies, ${n} blobs -> ${n} results`);
  });
});

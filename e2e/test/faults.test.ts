import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { isPortOpen, startRedisServer, type RedisServer } from '@modelfn/dev-processes';
import { devConnectionString, startAzurite, type RunningAzurite } from '@modelfn/local-host';
import { startServiceBusEmulator, type ServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, upload, waitForBlob } from './support/clients.js';
import { mnist, png } from './support/digits.js';
import { freePorts, startSystem, type Ports, type System } from './support/system.js';

/**
 * Faults from docs/reliability.md. Here Redis, Azurite and the broker run in this process (not inside the
 * host) so each can be killed on its own; the host crash below starts everything as `npm start` does.
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
    // Digits 0–19 scored once here (into Redis) and again below (read back from Redis, so kept in the L1).
    for (let i = 0; i < 20; i++) await score(i);
    for (let k = 0; k < 60; k++) {
      // While Redis is down, every other request is a digit seen before (in each host process's L1) and
      // the rest are new ones (only Redis could have known them).
      const i = k >= 20 && k < 40 && k % 2 === 1 ? 100 + k : k % 20;
      if (k === 20) process.kill(redis.pid, 'SIGKILL');
      if (k === 40) redis = await startRedisServer({ port: ports.redis });
      results.push({ ...(await score(i)), i });
    }
    expect(results.every((r) => r.status === 200)).toBe(true);
    const right = results.filter((r) => r.label === mnist.labels[r.i]).length;
    expect(right / results.length).toBeGreaterThanOrEqual(0.95);
    const down = results.slice(22, 40);
    expect(down.filter((r) => r.i >= 100).every((r) => r.cache === 'bypass')).toBe(true);
    // A digit scored before the kill may have gone to the other HTTP worker, whose L1 lacks it.
    expect(down.filter((r) => r.i < 20).every((r) => r.cache === 'hit' || r.cache === 'bypass')).toBe(true);
    expect(down.some((r) => r.i < 20 && r.cache === 'hit')).toBe(true);
    // The breaker lets a probe through within ~2 s of the restart: a new digit's lookup then reaches Redis
    // (miss, not bypass), and its row is written there again.
    const deadline = Date.now() + 10_000;
    let cache: string | null = null;
    for (let n = 0; cache !== 'miss' && Date.now() < deadline; n++) {
      cache = (await score(1000 + n)).cache;
      if (cache !== 'miss') await new Promise((r) => setTimeout(r, 250));
    }
    expect(cache).toBe('miss');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await expect.poll(() => client.dbSize(), { timeout: 5000 }).toBeGreaterThan(0);
    } finally {
      await client.quit();
    }
    console.log(
      `redis fault: ${results.length} requests, all 200; while Redis was down ${down.filter((r) => r.cache === 'hit').length} answered from the L1, ${down.filter((r) => r.cache === 'bypass').length} bypassed the cache`,
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
    // A blob whose tries all failed while Azurite was down is claimed again by the same host at once (not
    // after its claim lapses, 60 s): the results follow the restart within seconds.
    for (let k = 0; k < n; k++) {
      const r = (await waitForBlob(azurite.connectionString, 'predictions', `azr/${k}.png.json`, 30_000)) as {
        label: number;
      };
      if (r.label === mnist.labels[300 + k]) right++;
    }
    expect(right / n).toBeGreaterThanOrEqual(0.9);
    console.log(`azurite fault: ${n} blobs uploaded across a restart, ${n} results`);
  });
});

/**
 * The host as `npm start` runs it: Redis, Azurite and the Service Bus emulator are started by the host itself
 * (startSystem runs apps/local/src/main.ts with no service configured), with their data folders set so the
 * test can clean up. The host is SIGKILLed while sends and uploads are in flight, once half of them were
 * acknowledged, then started again; every acknowledged request must be answered and every acknowledged upload
 * scored.
 */
describe('faults: host crash under npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelfn-crash-'));
  const env = { SERVICEBUS_DATA_DIR: join(dir, 'servicebus'), AZURITE_LOCATION: join(dir, 'azurite') };
  let ports: Ports;
  let sys: System;

  beforeAll(async () => {
    ports = await freePorts();
    sys = await startSystem(ports, env, { detached: true });
  });

  afterAll(async () => {
    await sys?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const body = (k: number) => ({
    data: [Array.from(mnist.images.subarray((k % 1000) * 784, ((k % 1000) + 1) * 784), (p) => p / 255)],
  });

  /**
   * 16 workers, each sending a request and uploading a PNG in turn (both kinds always in flight), 400
   * operations in all; `kill` runs once 60 sends were acknowledged.
   */
  async function loadThenKill(tag: string, kill: () => void): Promise<{ ids: string[]; blobs: string[] }> {
    const total = 400;
    // No retries: an operation cut off by the crash is simply not acknowledged.
    const sb = new ServiceBusClient(sys.servicebus, { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } });
    const sender = sb.createSender('scoring-requests');
    const images = BlobServiceClient.fromConnectionString(sys.storage, {
      retryOptions: { maxTries: 1, tryTimeoutInMs: 5_000 },
    }).getContainerClient('images');
    const ids: string[] = [];
    const names: string[] = [];
    let killed = false;
    const maybeKill = () => {
      if (!killed && ids.length >= 60) {
        killed = true;
        kill();
      }
    };
    const workers = Array.from({ length: 16 }, async (_, w) => {
      for (let k = w, turn = w; k < total && !killed; k += 16, turn++) {
        if (turn % 2 === 0) {
          const id = `${tag}-${k}`;
          await sender.sendMessages({ body: body(k), correlationId: id });
          ids.push(id);
        } else {
          const name = `${tag}/${k}.png`;
          await images.getBlockBlobClient(name).uploadData(await png(600 + k));
          names.push(name);
        }
        maybeKill();
      }
    });
    const settled = await Promise.allSettled(workers);
    expect(killed).toBe(true);
    console.log(
      `${tag}: ${settled.filter((r) => r.status === 'rejected').length} operations cut off by the kill (not acknowledged), ${ids.length} sends and ${names.length} uploads acknowledged`,
    );
    // Closing a client whose broker died can wait for an AMQP close that never comes: not what is tested.
    await Promise.race([sb.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    return { ids, blobs: names };
  }

  async function expectAllAnswered(acked: { ids: string[]; blobs: string[] }): Promise<void> {
    const sb = new ServiceBusClient(sys.servicebus);
    try {
      const got = await replies(sb, acked.ids, 60_000);
      expect(acked.ids.filter((id) => !got.has(id))).toEqual([]);
      const dead = await sb
        .createReceiver('scoring-requests', { subQueueType: 'deadLetter' })
        .peekMessages(10);
      expect(dead.length).toBe(0);
    } finally {
      await sb.close();
    }
    for (const name of acked.blobs) await waitForBlob(sys.storage, 'predictions', `${name}.json`, 30_000);
  }

  it('SIGKILL of the host process only: acknowledged work answered, its orphaned redis-server reattached', async () => {
    const pid = sys.child.pid!;
    const acked = await loadThenKill('node', () => process.kill(pid, 'SIGKILL'));
    await sys.stop();
    sys = await startSystem(ports, env, { detached: true });
    expect(sys.output()).toMatch(/redis-server pid \d+, reattached/);
    await expectAllAnswered(acked);
    console.log(
      `host node process killed: ${acked.ids.length} acknowledged sends all answered, ${acked.blobs.length} acknowledged uploads all scored`,
    );
  });

  it('SIGKILL of the whole process group: acknowledged work answered; Ctrl-C afterwards stops cleanly', async () => {
    const pid = sys.child.pid!;
    const acked = await loadThenKill('group', () => process.kill(-pid, 'SIGKILL'));
    await sys.stop();
    sys = await startSystem(ports, env, { detached: true });
    await expectAllAnswered(acked);
    console.log(
      `process group killed: ${acked.ids.length} acknowledged sends all answered, ${acked.blobs.length} acknowledged uploads all scored`,
    );
    expect(await sys.stop('SIGINT')).toBe(0);
    for (const port of [ports.redis, ports.servicebus, ports.blob])
      expect(await isPortOpen(port)).toBe(false);
  });
});

/**
 * `npm start` on a fresh data folder, polled from its first moment: once `/v2/health/ready` answers 200, an
 * upload must find the blob trigger's container (before, ready came ~0.7 s before the container existed).
 */
describe('faults: ready means ready', () => {
  it('the blob trigger container exists when /v2/health/ready first says 200', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelfn-ready-'));
    const ports = await freePorts();
    const sys = startSystem(ports, { AZURITE_LOCATION: dir, SERVICEBUS_DATA_DIR: join(dir, 'sb') });
    try {
      const deadline = Date.now() + 60_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = await fetch(`http://127.0.0.1:${ports.http}/v2/health/ready`)
          .then((r) => r.status === 200)
          .catch(() => false);
        if (!ready) await new Promise((r) => setTimeout(r, 10));
      }
      expect(ready).toBe(true);
      // At once, not after the banner: the storage account is known from the ports.
      const storage = devConnectionString('127.0.0.1', { blob: ports.blob, queue: ports.queue });
      const images = BlobServiceClient.fromConnectionString(storage).getContainerClient('images');
      await images.getBlockBlobClient('ready/first.png').uploadData(await png(1));
    } finally {
      await (await sys).stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

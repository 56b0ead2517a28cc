// Several instances of the apps, as Azure scales out: three hosts (apps/local/src/main.ts, the `npm start`
// entry) on one Azurite, one Service Bus emulator and one Redis. The first host starts them as `npm start`
// does; the other two attach to them through AzureWebJobsStorage, ServiceBusConnection and REDIS_URL, the
// settings an app instance in Azure reads. Each blob version must be scored once and each message answered once.
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { HOSTS_CONTAINER } from '@modelfn/local-host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnist, png } from './support/digits.js';
import { startSystem, type System } from './support/system.js';

const ONE_WORKER = { LOCAL_HOST_WORKERS: '1' };

describe('three hosts on shared services', () => {
  const hosts: System[] = [];

  beforeAll(async () => {
    const first = await startSystem(undefined, ONE_WORKER);
    hosts.push(first);
    const shared = {
      ...ONE_WORKER,
      AzureWebJobsStorage: first.storage,
      ServiceBusConnection: first.servicebus,
      REDIS_URL: first.redisUrl,
    };
    hosts.push(...(await Promise.all([startSystem(undefined, shared), startSystem(undefined, shared)])));
  }, 180_000);

  afterAll(async () => {
    // The attached hosts first: the first one owns the services they use.
    await Promise.all(hosts.slice(1).map((h) => h.stop()));
    await hosts[0]?.stop();
  });

  /** Per host, the sum of the /metrics series lines `pattern` matches (its group 1 is the value). */
  async function counter(pattern: RegExp): Promise<number[]> {
    const all = new RegExp(pattern.source, 'gm');
    return Promise.all(
      hosts.map(async (h) => {
        const text = await (await fetch(`${h.url}/metrics`)).text();
        return [...text.matchAll(all)].reduce((sum, m) => sum + Number(m[1]), 0);
      }),
    );
  }

  it('scores each uploaded blob version once across the three hosts', async () => {
    const n = 150;
    const service = BlobServiceClient.fromConnectionString(hosts[0].storage);
    const images = service.getContainerClient('images');
    for (let k = 0; k < n; k += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) =>
          images.getBlockBlobClient(`multi/${k + j}.png`).uploadData(await png(700 + k + j)),
        ),
      );
    }
    const predictions = service.getContainerClient('predictions');
    const deadline = Date.now() + 60_000;
    let results = 0;
    while (Date.now() < deadline) {
      results = 0;
      for await (const b of predictions.listBlobsFlat({ prefix: 'multi/' }))
        if (b.name.endsWith('.json')) results++;
      if (results >= n) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(results).toBe(n);
    // A few more scans by every host, which must find each version done (their claims), not score it again.
    await new Promise((r) => setTimeout(r, 1_500));
    const perHost = await counter(
      /^modelfn_invocations_total\{trigger="blob",function="scoreBlob",outcome="ok"\} (\d+)$/m,
    );
    expect(perHost.reduce((a, b) => a + b, 0)).toBe(n);
    let claims = 0;
    for await (const b of service
      .getContainerClient(HOSTS_CONTAINER)
      .listBlobsFlat({ prefix: 'blobreceipts/' }))
      if (b.name.includes('.claims/') && b.name.endsWith('multi/0.png')) claims++;
    expect(claims).toBe(1);
    console.log(`3 hosts, ${n} blobs: ${results} results, scorings per host ${perHost.join(' / ')}`);
  });

  it('answers each message once across the three hosts (competing peek-lock consumers)', async () => {
    const n = 1_000;
    const client = new ServiceBusClient(hosts[0].servicebus);
    try {
      const sender = client.createSender('scoring-requests');
      for (let k = 0; k < n; k += 10) {
        await sender.sendMessages(
          Array.from({ length: 10 }, (_, j) => ({
            body: {
              data: [
                Array.from(
                  mnist.images.subarray(((k + j) % 500) * 784, (((k + j) % 500) + 1) * 784),
                  (p) => p / 255,
                ),
              ],
            },
            correlationId: `multi-${k + j}`,
          })),
        );
      }
      const receiver = client.createReceiver('scoring-replies', { receiveMode: 'receiveAndDelete' });
      const count = new Map<string, number>();
      const deadline = Date.now() + 60_000;
      // Until every id has a reply, then 3 s more for duplicates still on their way.
      let quietUntil = Infinity;
      while (Date.now() < Math.min(deadline, quietUntil)) {
        for (const m of await receiver.receiveMessages(200, { maxWaitTimeInMs: 300 })) {
          const id = String(m.correlationId);
          if (id.startsWith('multi-')) count.set(id, (count.get(id) ?? 0) + 1);
        }
        if (count.size === n && quietUntil === Infinity) quietUntil = Date.now() + 3_000;
      }
      const duplicates = [...count.values()].filter((c) => c > 1).length;
      const perHost = await counter(/^modelfn_invocation_items_total\{trigger="servicebus"[^}]*\} (\d+)$/m);
      console.log(
        `3 hosts, ${n} messages: ${count.size} answered, ${duplicates} answered twice, items per host ${perHost.join(' / ')}`,
      );
      expect(count.size).toBe(n);
      expect(duplicates).toBe(0);
      expect(perHost.reduce((a, b) => a + b, 0)).toBe(n);
      // Competing consumers: the work was shared, not taken by one host.
      expect(perHost.filter((x) => x > 0).length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
  });
});

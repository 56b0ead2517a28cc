// Receipt journals on a real Azurite: group commit, reload across restarts, merging, roll-over, bad lines.
import type { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobReceipts } from '../src/blob/blob-receipts.js';
import type { BlobRest } from '../src/index.js';
import { startHostsContainer } from './support/hosts-container.js';

let hosts: ContainerClient;
let rest: BlobRest;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => ({ hosts, rest, stop } = await startHostsContainer()));

afterAll(() => stop?.());

async function journals(prefix: string): Promise<{ name: string; blocks: number }[]> {
  const out: { name: string; blocks: number }[] = [];
  for await (const b of hosts.listBlobsFlat({ prefix })) {
    const props = await hosts.getAppendBlobClient(b.name).getProperties();
    out.push({ name: b.name, blocks: props.blobCommittedBlockCount ?? 0 });
  }
  return out;
}

describe('BlobReceipts', () => {
  it('commits concurrent receipts together, and a new load sees them all', async () => {
    const r = await BlobReceipts.load(hosts, rest, 'h1', 'fn', 'images');
    expect(r.size).toBe(0);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => r.write(`b${i}.png`, `e${i}`, 'completed', `inv${i}`)),
    );
    expect(r.has('b7.png', 'e7')).toBe(true);
    const [journal, ...more] = await journals(r.prefix);
    expect(more).toEqual([]);
    // The first append goes out alone; the 49 queued meanwhile share the next one.
    expect(journal.blocks).toBeLessThanOrEqual(3);

    const again = await BlobReceipts.load(hosts, rest, 'h1', 'fn', 'images');
    expect(again.size).toBe(50);
    expect(again.has('b49.png', 'e49')).toBe(true);
    expect(again.has('b49.png', 'other-etag')).toBe(false);
    expect(again.skippedLines).toBe(0);
  });

  it('with a flush delay, receipts written one after another within it share one append', async () => {
    const r = await BlobReceipts.load(hosts, rest, 'h5', 'fn', 'images', { flushDelayMs: 300 });
    const written: Promise<void>[] = [];
    // Spread over ~100 ms, as finished blobs arrive: without the delay each would start its own append.
    for (let i = 0; i < 20; i++) {
      written.push(r.write(`b${i}.png`, `e${i}`, 'completed', `inv${i}`));
      await new Promise((res) => setTimeout(res, 5));
    }
    await Promise.all(written);
    const [journal, ...more] = await journals(r.prefix);
    expect(more).toEqual([]);
    expect(journal.blocks).toBe(1);
    expect((await BlobReceipts.load(hosts, rest, 'h5', 'fn', 'images')).size).toBe(20);
  });

  it('lets a later receipt for a blob win, and merges the journals of earlier runs into one', async () => {
    const first = await BlobReceipts.load(hosts, rest, 'h2', 'fn', 'images');
    await first.write('a.png', 'v1', 'completed', 'i1');
    await first.write('b.png', 'v1', 'poisoned', 'poison');
    const second = await BlobReceipts.load(hosts, rest, 'h2', 'fn', 'images');
    await second.write('a.png', 'v2', 'completed', 'i2');
    expect(await journals(first.prefix)).toHaveLength(2);
    // Journals written in the last 10 minutes may be live (another host appending now): kept as they are.
    await BlobReceipts.load(hosts, rest, 'h2', 'fn', 'images');
    expect(await journals(first.prefix)).toHaveLength(2);

    const third = await BlobReceipts.load(hosts, rest, 'h2', 'fn', 'images', { compactIdleMs: 0 });
    expect(third.has('a.png', 'v2')).toBe(true);
    expect(third.has('a.png', 'v1')).toBe(false);
    expect(third.has('b.png', 'v1')).toBe(true);
    const merged = await journals(first.prefix);
    expect(merged).toHaveLength(1);
    const text = (await hosts.getBlobClient(merged[0].name).downloadToBuffer()).toString();
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).blob),
    ).toEqual(['a.png', 'b.png']);
  });

  it('starts a new journal after maxAppends appends', async () => {
    const r = await BlobReceipts.load(hosts, rest, 'h3', 'fn', 'images', { maxAppends: 2 });
    for (let i = 0; i < 5; i++) await r.write(`b${i}`, 'e', 'completed', 'i');
    expect((await journals(r.prefix)).map((j) => j.blocks)).toEqual([2, 2, 1]);
    expect((await BlobReceipts.load(hosts, rest, 'h3', 'fn', 'images')).size).toBe(5);
  });

  it('skips lines it cannot read and counts them', async () => {
    const prefix = 'blobreceipts/h4/fn/images.journal/';
    const journal = hosts.getAppendBlobClient(`${prefix}000000000000001-hand-written.jsonl`);
    await journal.create();
    const text = '{"blob":"ok.png","etag":"e1","status":"completed"}\nnot json\n{"blob":"no-etag.png"}\n';
    await journal.appendBlock(text, Buffer.byteLength(text));
    const r = await BlobReceipts.load(hosts, rest, 'h4', 'fn', 'images');
    expect(r.has('ok.png', 'e1')).toBe(true);
    expect(r.size).toBe(1);
    expect(r.skippedLines).toBe(2);
  });

  it('rejects the write when the append fails, and recovers with a new journal', async () => {
    const r = await BlobReceipts.load(hosts, rest, 'h5', 'fn', 'images');
    await r.write('a', 'e', 'completed', 'i');
    // The journal disappears under it (deleted by hand): the next write fails, the one after starts over.
    for (const j of await journals(r.prefix)) await hosts.deleteBlob(j.name);
    await expect(r.write('b', 'e', 'completed', 'i')).rejects.toMatchObject({ statusCode: 404 });
    expect(r.has('b', 'e')).toBe(false);
    await r.write('c', 'e', 'completed', 'i');
    expect((await BlobReceipts.load(hosts, rest, 'h5', 'fn', 'images')).has('c', 'e')).toBe(true);
  });
});

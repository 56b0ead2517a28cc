// A completed version keeps its claim `running` and is recorded in its host's receipt journal only: on a
// real Azurite, another host (same host id) finds it done through the journals, even once the claim has
// lapsed, and takes over a lapsed claim no journal records.
import type { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobReceipts } from '../src/blob/blob-receipts.js';
import { JOURNAL_REFRESH_MS } from '../src/blob/journal-lookup.js';
import type { BlobRest } from '../src/index.js';
import { startHostsContainer } from './support/hosts-container.js';

let hosts: ContainerClient;
let rest: BlobRest;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => ({ hosts, rest, stop } = await startHostsContainer()));

afterAll(() => stop?.());

const refreshed = () => new Promise((r) => setTimeout(r, JOURNAL_REFRESH_MS + 50));

describe('claims of completed versions, recorded in the journals', () => {
  it('another host sees a version done once its holder has journalled it, not before', async () => {
    const one = await BlobReceipts.load(hosts, rest, 'j1', 'fn', 'images');
    const two = await BlobReceipts.load(hosts, rest, 'j1', 'fn', 'images');
    const mine = await one.claims.claim('a.png', 'e1');
    expect(mine.state).toBe('mine');
    // Running there and in no journal yet: taken, to be looked at again by a later scan.
    expect((await two.claims.claim('a.png', 'e1')).state).toBe('taken');
    await one.write('a.png', 'e1', 'completed', 'inv1');
    await refreshed();
    expect((await two.claims.claim('a.png', 'e1')).state).toBe('done');
    // Lines appended to a journal already read are read too (only the new bytes).
    expect((await one.claims.claim('b.png', 'e1')).state).toBe('mine');
    await one.write('b.png', 'e1', 'completed', 'inv2');
    await refreshed();
    expect((await two.claims.claim('b.png', 'e1')).state).toBe('done');
    // Another version of the same blob is not done.
    expect((await two.claims.claim('b.png', 'e2')).state).toBe('mine');
  });

  it('a lapsed claim is done when a journal records its version, taken over when none does', async () => {
    const writer = await BlobReceipts.load(hosts, rest, 'j2', 'fn', 'images');
    await writer.write('done.png', 'e1', 'completed', 'inv1');
    const lapsed = { status: 'running', owner: 'another-machine:1', until: String(Date.now() - 1) };
    for (const name of ['done.png', 'lost.png'])
      await hosts.getBlockBlobClient(`${writer.claims.prefix}e1/${name}`).upload('', 0, { metadata: lapsed });
    const other = await BlobReceipts.load(hosts, rest, 'j2', 'fn', 'images');
    // Loaded after the write: known from its own load. A host that read the journals earlier looks them up.
    expect((await other.claims.claim('done.png', 'e1')).state).toBe('done');
    const host = await BlobReceipts.load(hosts, rest, 'j2', 'fn', 'images');
    await writer.write('late.png', 'e1', 'completed', 'inv2');
    await hosts.getBlockBlobClient(`${writer.claims.prefix}e1/late.png`).upload('', 0, { metadata: lapsed });
    expect(host.has('late.png', 'e1')).toBe(false);
    expect((await host.claims.claim('late.png', 'e1')).state).toBe('done');
    // The version a crashed host completed but never journalled runs again (at least once).
    expect((await host.claims.claim('lost.png', 'e1')).state).toBe('mine');
  });
});

// The queue journal on its own: replay of adds, delivery counts and removals, a torn last line, and
// compaction while running (the log rewritten from the live messages once it holds mostly dead records).
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QueueJournal } from '../src/journal.js';
import type { StoredMessage } from '../src/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const message = (n: number): StoredMessage => ({
  sequenceNumber: n,
  enqueuedAt: 1_000 + n,
  expiresAt: undefined,
  deliveryCount: 0,
  message: { body: `m${n}`, application_properties: { n } },
});

describe('QueueJournal', () => {
  it('replays what was recorded, ignores a torn last line, and compacts once most records are dead', async () => {
    const live = new Map<number, StoredMessage>();
    const open = () =>
      QueueJournal.open(
        dir,
        () => [...live.values()].map((m): [string, StoredMessage] => ['q', m]),
        () => live.size,
        20,
      );
    const { journal, restored } = await open();
    expect(restored.size).toBe(0);
    for (let n = 1; n <= 30; n++) {
      const m = message(n);
      live.set(n, m);
      journal.put('q', m);
    }
    await journal.durable();
    for (let n = 1; n <= 27; n++) {
      live.delete(n);
      journal.removed('q', n);
    }
    const held = live.get(28)!;
    held.deliveryCount = 2;
    journal.delivered('q', held);
    // 30 adds, 27 removals and a count: more than 20 records and 4× the 3 live ones, so this flush rewrites
    // the log with only those 3.
    await journal.written();
    expect(readFileSync(join(dir, 'queues.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    await journal.close();
    appendFileSync(join(dir, 'queues.jsonl'), '{"op":"add","q":"q","seq":99,');

    const again = await open();
    const back = again.restored.get('q')!;
    expect(back.map((m) => m.sequenceNumber)).toEqual([28, 29, 30]);
    expect(back[0].deliveryCount).toBe(2);
    expect(back[1].message).toMatchObject({ body: 'm29', application_properties: { n: 29 } });
    await again.journal.close();
  });
});

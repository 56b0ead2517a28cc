// config.json `traffic` on a batch of messages: each message that names no version is answered by the
// version drawn for it, and its reply says which (version n of `split` answers y = x + n).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replyContent, scoreRequests } from '@modelfn/functions';
import { writeOffsetModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messageRequest } from '../src/message-input.js';

let root: string;
let scorer: Scorer;
let draw = 0;
const DRAWS = 40;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-sb-traffic-'));
  writeOffsetModel(root, 'split', [1, 2], { version_policy: { all: {} }, traffic: { '1': 1, '2': 1 } });
  scorer = await createScorer(
    { ...readSettings({}), modelRepository: root, cacheMode: 'memory' },
    { random: () => ((draw++ % DRAWS) + 0.5) / DRAWS },
  );
});
afterAll(async () => {
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

it('replies to each message of a batch with the version drawn for it, 1:1 exactly', async () => {
  const requests = Array.from({ length: DRAWS }, (_, i) =>
    messageRequest({ data: [[i]] }, { messageId: `m${i}`, applicationProperties: { model: 'split' } }),
  );
  // One message naming a version: answered by it, drawing nothing.
  requests.push(
    messageRequest({ data: [[100]] }, { messageId: 'named', applicationProperties: { model: 'split:1' } }),
  );
  const out = await scoreRequests(scorer, requests);
  const replies = out.map((o, i) => replyContent(o, `m${i}`).body as Record<string, unknown>);
  const counts: Record<string, number> = {};
  replies.slice(0, DRAWS).forEach((r, i) => {
    const version = r.version as string;
    expect(r).toMatchObject({ model: 'split', predictions: [{ y: [i + Number(version)] }] });
    counts[version] = (counts[version] ?? 0) + 1;
  });
  expect(counts).toEqual({ '1': 20, '2': 20 });
  expect(replies[DRAWS]).toMatchObject({ version: '1', predictions: [{ y: [101] }] });
  expect(draw).toBe(DRAWS);
});

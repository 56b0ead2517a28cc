// config.json `traffic` on Storage Queue messages: a message that names no version is answered by the
// version drawn for it, and its reply says which (version n of `split` answers y = x + n).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replyContent, scoreRequest } from '@modelfn/functions';
import { writeOffsetModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messageRequest } from '../src/message-input.js';

let root: string;
let scorer: Scorer;
let draw = 0;
const DRAWS = 20;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-queue-traffic-'));
  writeOffsetModel(root, 'split', [1, 2], { version_policy: { all: {} }, traffic: { '1': 1, '2': 4 } });
  scorer = await createScorer(
    { ...readSettings({}), modelRepository: root, cacheMode: 'memory' },
    { random: () => ((draw++ % DRAWS) + 0.5) / DRAWS },
  );
});
afterAll(async () => {
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

it('replies with the version drawn for each message, 1:4 exactly, and the named one when named', async () => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < DRAWS; i++) {
    const req = messageRequest(
      { model: 'split', data: [[i]], correlationId: `c${i}` },
      { messageId: `q${i}` },
    );
    const reply = replyContent(await scoreRequest(scorer, req), `c${i}`);
    const version = reply.body.version as string;
    expect(reply.body).toMatchObject({ model: 'split', predictions: [{ y: [i + Number(version)] }] });
    counts[version] = (counts[version] ?? 0) + 1;
  }
  expect(counts).toEqual({ '1': 4, '2': 16 });
  const named = messageRequest({ model: 'split:1', data: [[5]] }, { messageId: 'named' });
  expect(replyContent(await scoreRequest(scorer, named), 'x').body).toMatchObject({
    version: '1',
    predictions: [{ y: [6] }],
  });
  expect(draw).toBe(DRAWS);
});

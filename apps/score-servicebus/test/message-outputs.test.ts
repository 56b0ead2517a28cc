// The `outputs` application property selects what a message is answered with, as ?outputs= on /score.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replyContent, scoreRequests } from '@modelfn/functions';
import { multiIoModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messageRequest } from '../src/message-input.js';

let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-sb-outputs-'));
  mkdirSync(join(root, 'pair', '1'), { recursive: true });
  writeFileSync(join(root, 'pair', '1', 'model.onnx'), multiIoModel());
  scorer = await createScorer({ ...readSettings({}), modelRepository: root, cacheMode: 'memory' });
});
afterAll(async () => {
  await scorer.close();
  rmSync(root, { recursive: true, force: true });
});

const body = { data: { a: [[1, 1, 1]], b: [[3, 4]] } };

it('answers each message of a batch with the outputs its "outputs" property selects', async () => {
  const requests = [
    messageRequest(body, { messageId: 'm1', applicationProperties: { model: 'pair', outputs: 'b_twice' } }),
    messageRequest(body, {
      messageId: 'm2',
      applicationProperties: { model: 'pair', outputs: 'sum,b_twice' },
    }),
    messageRequest(body, { messageId: 'm3', applicationProperties: { model: 'pair', outputs: 'nope' } }),
  ];
  expect(requests[0].outputs).toEqual(['b_twice']);
  const out = await scoreRequests(scorer, requests);
  expect(replyContent(out[0], 'm1').body).toMatchObject({ predictions: [{ b_twice: [6, 8] }] });
  expect(Object.keys((replyContent(out[0], 'm1').body as { predictions: object[] }).predictions[0])).toEqual([
    'b_twice',
  ]);
  expect(replyContent(out[1], 'm2').body).toMatchObject({
    predictions: [{ sum: [2, 3, 4], b_twice: [6, 8] }],
  });
  const error = replyContent(out[2], 'm3');
  expect(error.properties).toMatchObject({ status: 'error' });
  expect(error.body).toMatchObject({ code: 'INVALID_INPUT' });
  expect((error.body as { error: string }).error).toContain('"sum", "b_twice"');
});

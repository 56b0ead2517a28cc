// A queue message has no properties: the envelope field `outputs` ("a,b" or a list of names) selects what
// it is answered with; a v2 body's own `outputs` (a list of objects) stays the body's.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replyContent, scoreRequest } from '@modelfn/functions';
import { multiIoModel } from '@modelfn/model-builder';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { messageRequest } from '../src/message-input.js';

let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-queue-outputs-'));
  mkdirSync(join(root, 'pair', '1'), { recursive: true });
  writeFileSync(join(root, 'pair', '1', 'model.onnx'), multiIoModel());
  scorer = await createScorer({ ...readSettings({}), modelRepository: root, cacheMode: 'memory' });
});
afterAll(async () => {
  await scorer.close();
  rmSync(root, { recursive: true, force: true });
});

const data = { a: [[1, 1, 1]], b: [[3, 4]] };

it('answers the outputs the envelope field "outputs" selects, as "a,b" or a list', async () => {
  for (const outputs of ['b_twice', ['b_twice']]) {
    const req = messageRequest({ model: 'pair', outputs, data }, { messageId: 'q1' });
    expect(req.outputs).toEqual(['b_twice']);
    expect(req.payload).toEqual({ object: { data } });
    const reply = replyContent(await scoreRequest(scorer, req), 'q1');
    expect((reply.body as { predictions: object[] }).predictions).toEqual([{ b_twice: [6, 8] }]);
  }
});

it('leaves a v2 body its own "outputs"', async () => {
  const v2 = {
    model: 'pair',
    inputs: [
      { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 1, 1] },
      { name: 'b', datatype: 'FP32', shape: [1, 2], data: [3, 4] },
    ],
    outputs: [{ name: 'sum' }],
  };
  const req = messageRequest(v2, { messageId: 'q2' });
  expect(req.outputs).toBeUndefined();
  expect((req.payload as { object: { outputs: unknown } }).object.outputs).toEqual([{ name: 'sum' }]);
});

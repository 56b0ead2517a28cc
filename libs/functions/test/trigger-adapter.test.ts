import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { identityModel } from '@modelfn/model-builder';
import { createScorer, readSettings, ScoringError, type Scorer } from '@modelfn/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answeredBy,
  blobErrorRecord,
  blobRecord,
  classifyFailure,
  replyContent,
  scoreAnswer,
  scoreRequest,
  scoreRequests,
  type Failure,
  type ScoreResult,
  type TriggerRequest,
} from '../src/index.js';

// The one path from a trigger to the core, on a real scorer: the committed mnist classifier and a model
// answered by its entry script, which reports what it was handed.
const SCRIPT = `
let runs = 0;
export function run(request) {
  runs++;
  if (request.contentType === 'text/x-bad') throw Object.assign(new Error('not for me'), { code: 'INVALID_INPUT' });
  if (request.contentType === 'text/x-crash') throw new Error('the script fell over');
  const json = request.contentType === 'application/json' ? request.json() : undefined;
  return { trigger: request.trigger, bytes: request.body.length, json, properties: request.properties, blobName: request.blobName ?? null, runs };
}
`;

const MODELS = resolve(import.meta.dirname, '../../../models');
const ZERO_DIGIT = Array.from({ length: 784 }, () => 0);
let root: string;
let scorer: Scorer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-adapter-'));
  cpSync(join(MODELS, 'mnist'), join(root, 'mnist'), { recursive: true });
  mkdirSync(join(root, 'echo', '1'), { recursive: true });
  writeFileSync(join(root, 'echo', '1', 'model.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(join(root, 'echo', 'score.js'), SCRIPT);
  scorer = await createScorer(
    readSettings({
      MODEL_REPOSITORY: root,
      CACHE_MODE: 'memory',
      DEFAULT_MODEL: 'mnist',
      ENTRY_SCRIPT_THREADS: '0',
    }),
  );
  await scorer.modelsSettled();
});

afterAll(async () => {
  await scorer?.close();
  rmSync(root, { recursive: true, force: true });
});

const json = (v: unknown) => ({ body: Buffer.from(JSON.stringify(v)), contentType: 'application/json' });

describe('scoreRequest', () => {
  it('scores a plain model and sends a model with an entry script its raw request', async () => {
    const plain = await scoreRequest(scorer, { trigger: 'http', payload: json({ data: [ZERO_DIGIT] }) });
    expect('outputs' in plain && plain.outputs.rows).toBe(1);
    expect(answeredBy(plain)).toMatchObject({ model: 'mnist', version: '1', cache: 'miss' });

    const scripted = await scoreRequest(scorer, {
      trigger: 'blob',
      payload: { body: Buffer.from('abc'), contentType: 'text/plain' },
      properties: { metadata: { model: 'echo' } },
      blobName: 'images/a.txt',
      model: 'echo',
    });
    expect('entry' in scripted && scripted.entry.body).toMatchObject({
      trigger: 'blob',
      bytes: 3,
      properties: { metadata: { model: 'echo' } },
      blobName: 'images/a.txt',
    });
    expect(answeredBy(scripted)).toMatchObject({ model: 'echo', version: '1' });
  });

  it('throws what the core throws, and classifyFailure says what it means', async () => {
    const bad = await scoreRequest(scorer, { trigger: 'http', payload: json({ data: [[1, 2]] }) }).catch(
      (e: unknown) => e,
    );
    expect(classifyFailure(bad)).toMatchObject({ kind: 'permanent', error: { code: 'INVALID_SHAPE' } });
    const unknown = await scoreRequest(scorer, { trigger: 'http', payload: json({}), model: 'nope' }).catch(
      (e: unknown) => e,
    );
    expect(classifyFailure(unknown)).toMatchObject({ kind: 'permanent', error: { code: 'MODEL_NOT_FOUND' } });
  });
});

describe('classifyFailure', () => {
  it('permanent for what the same request would hit again, transient for the rest', () => {
    expect(classifyFailure(new ScoringError('INVALID_INPUT', 'x')).kind).toBe('permanent');
    expect(classifyFailure(new ScoringError('OVERLOADED', 'x')).kind).toBe('transient');
    expect(classifyFailure(new ScoringError('MODEL_LOADING', 'x')).kind).toBe('transient');
    // A bug of ours or an environment failure: retried, never blamed on the input.
    expect(classifyFailure(new Error('boom'))).toMatchObject({
      kind: 'transient',
      error: { code: 'INFERENCE_FAILED' },
    });
    // A coded error from a script bundled on its own (its own copy of ScoringError) keeps its code.
    expect(classifyFailure(Object.assign(new Error('no'), { code: 'PAYLOAD_TOO_LARGE' })).kind).toBe(
      'permanent',
    );
  });
});

describe('scoreRequests (a batch of messages)', () => {
  const message = (payload: TriggerRequest['payload'], model?: string): TriggerRequest => ({
    trigger: 'servicebus',
    payload,
    properties: { messageId: 'm' },
    ...(model ? { model } : {}),
  });

  it('answers each request in order: plain models batched, scripts through run, permanent failures alone', async () => {
    const out = await scoreRequests(scorer, [
      message({ object: { data: [ZERO_DIGIT, ZERO_DIGIT] } }),
      message({ object: { values: [1, 2] } }, 'echo'),
      message({ object: { data: [[1, 2]] } }),
      message({ body: Buffer.from('x'), contentType: 'text/x-bad' }, 'echo'),
      message({ object: { data: [ZERO_DIGIT] } }, 'missing'),
      message({ body: Buffer.from(JSON.stringify({ data: [ZERO_DIGIT] })), contentType: 'application/json' }),
    ]);
    const kinds = out.map((o) => ('error' in o ? o.error.code : 'outputs' in o ? 'outputs' : 'entry'));
    expect(kinds).toEqual([
      'outputs',
      'entry',
      'INVALID_SHAPE',
      'INVALID_INPUT',
      'MODEL_NOT_FOUND',
      'outputs',
    ]);
    expect((out[0] as { outputs: { rows: number } }).outputs.rows).toBe(2);
    // JSON the host parsed reaches the script as bytes once, and parses back to the same value.
    expect((out[1] as { entry: { body: unknown } }).entry.body).toMatchObject({
      trigger: 'servicebus',
      json: { values: [1, 2] },
      properties: { messageId: 'm' },
    });
  });

  it('throws a transient failure of any request, for the whole batch to be retried', async () => {
    await expect(
      scoreRequests(scorer, [
        message({ object: { data: [ZERO_DIGIT] } }),
        message({ body: Buffer.from('x'), contentType: 'text/x-crash' }, 'echo'),
      ]),
    ).rejects.toMatchObject({ code: 'INFERENCE_FAILED', permanent: false });
  });
});

describe('renderers: one result, one shape per trigger', () => {
  let digit: ScoreResult;
  let scripted: ScoreResult;
  const failure: Failure = classifyFailure(new ScoringError('INVALID_INPUT', 'send rows'));

  beforeAll(async () => {
    digit = await scoreRequest(scorer, { trigger: 'http', payload: json({ data: [ZERO_DIGIT] }) });
    scripted = await scoreRequest(scorer, { trigger: 'http', payload: json({ values: [] }), model: 'echo' });
  });

  it('HTTP: predictions per row or the script answer, with x-model', () => {
    const a = scoreAnswer(digit, { probabilities: true });
    expect(a.status).toBe(200);
    expect(a.headers).toMatchObject({ 'content-type': 'application/json', 'x-model': 'mnist:1' });
    expect(a.jsonBody).toEqual([{ label: expect.any(Number), probabilities: expect.any(Array) }]);
    const b = scoreAnswer(scripted);
    expect(b).toMatchObject({ status: 200, headers: { 'x-model': 'echo:1' }, jsonBody: { trigger: 'http' } });
  });

  it('blob: a prediction record, the script answer as result, or an error record', () => {
    const record = blobRecord('images/7.png', digit, 12.345);
    expect(record).toMatchObject({ blob: 'images/7.png', model: 'mnist', version: '1', elapsedMs: 12.35 });
    expect(typeof record.label).toBe('number');
    expect(record.probabilities).toHaveLength(10);
    expect(blobRecord('images/a.txt', scripted, 1).result).toMatchObject({ trigger: 'http' });
    expect(blobErrorRecord('images/x', failure.error)).toMatchObject({
      error: 'send rows',
      code: 'INVALID_INPUT',
    });
  });

  it('Service Bus: a correlated reply with its status property', () => {
    expect(replyContent(digit, 'c1')).toMatchObject({
      properties: { status: 'ok' },
      body: {
        correlationId: 'c1',
        model: 'mnist',
        predictions: [expect.any(Number)],
        cache: expect.any(String),
      },
    });
    expect(replyContent(scripted, 'c2').body).toMatchObject({
      correlationId: 'c2',
      result: { trigger: 'http' },
    });
    expect(replyContent(failure, 'c3')).toEqual({
      properties: { status: 'error', code: 'INVALID_INPUT' },
      body: { correlationId: 'c3', error: 'send rows', code: 'INVALID_INPUT' },
    });
  });
});

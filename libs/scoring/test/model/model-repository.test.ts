import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRepository } from '../../src/model/model-repository.js';
import { scratchRepository, writeModel } from '../support/models.js';

const mnistConfig = (root: string) => JSON.parse(readFileSync(join(root, 'mnist', 'config.json'), 'utf8'));

describe('ModelRepository', () => {
  let scratch: ReturnType<typeof scratchRepository>;
  let repo: ModelRepository;

  beforeAll(async () => {
    scratch = scratchRepository();
    const config = mnistConfig(scratch.root);
    const onnx = readFileSync(join(scratch.root, 'mnist', '1', 'model.onnx'));
    // A model someone saved with pickle: refused, never opened.
    writeModel(
      scratch.root,
      'pickled',
      { ...config, name: 'pickled', versions: {} },
      { '1/model.pkl': Buffer.from([0x80, 0x04, 0x95]) },
    );
    // A pickle renamed to model.onnx: refused by its magic bytes.
    writeModel(
      scratch.root,
      'renamed',
      { ...config, name: 'renamed', versions: {} },
      { '1/model.onnx': Buffer.from([0x80, 0x04, 0x95, 0, 0]) },
    );
    // Two versions with the default policy (latest 1): only version 2 is served.
    writeModel(
      scratch.root,
      'twov',
      { ...config, name: 'twov', versions: {} },
      { '1/model.onnx': onnx, '2/model.onnx': onnx },
    );
    // A hash in config.json that does not match the file.
    writeModel(
      scratch.root,
      'tampered',
      { ...config, name: 'tampered', versions: { 1: { sha256: '00'.repeat(32) } } },
      { '1/model.onnx': onnx },
    );
    // Not ONNX at all.
    writeModel(
      scratch.root,
      'sklearn',
      { ...config, name: 'sklearn', platform: 'sklearn' },
      { '1/model.pkl': 'x' },
    );
    repo = await ModelRepository.load({ root: scratch.root, intraOpThreads: 1, defaultModel: 'mnist' });
  });

  afterAll(async () => {
    await repo?.close();
    scratch?.cleanup();
  });

  it('serves mnist with its signature and hash', () => {
    const v = repo.ready('mnist');
    expect(v.version).toBe('1');
    expect(v.inputs[0].size).toBe(784);
    expect(v.outputs[0].size).toBe(10);
    expect(v.sha256).toBe(mnistConfig(scratch.root).versions['1'].sha256);
    expect(v.batched).toBe(true);
    expect(v.inputs).toEqual([{ name: 'input', datatype: 'FP32', dims: [784], size: 784 }]);
    expect(v.outputs).toEqual([{ name: 'probabilities', datatype: 'FP32', dims: [10], size: 10 }]);
    expect(v.classification).toEqual({ scores: 0, labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(v.image?.input).toBe(0);
    expect(repo.isReady()).toBe(true);
  });

  it('refuses pickles, renamed pickles and hash mismatches, saying why', () => {
    expect(() => repo.ready('pickled')).toThrow(/only ONNX models are served; found model.pkl/);
    expect(() => repo.ready('renamed')).toThrow(/not an ONNX protobuf/);
    expect(() => repo.ready('tampered')).toThrow(/sha256/);
    expect(repo.find('pickled').state).toBe('UNAVAILABLE');
    expect(repo.problems.join('\n')).toMatch(/sklearn.*platform must be "onnxruntime_onnx"/);
    expect(repo.names()).not.toContain('sklearn');
  });

  it('maps unknown names and versions to 404 codes and unready ones to 503', () => {
    expect(() => repo.find('nope')).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', status: 404 }),
    );
    expect(() => repo.find('mnist', '7')).toThrow(
      expect.objectContaining({ code: 'VERSION_NOT_FOUND', status: 404 }),
    );
    expect(() => repo.ready('pickled')).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_READY', status: 503 }),
    );
  });

  it('applies the version policy', () => {
    expect(repo.versions('twov').map((v) => v.version)).toEqual(['2']);
    expect(repo.ready('twov').version).toBe('2');
  });

  it('lists every model with its versions and whether it can serve', () => {
    const summaries = repo.summaries();
    expect(summaries).toContainEqual({ name: 'mnist', versions: ['1'], latest: '1', ready: true });
    expect(summaries.find((e) => e.name === 'pickled')?.ready).toBe(false);
    expect(repo.find('mnist', '1').state).toBe('READY');
  });
});

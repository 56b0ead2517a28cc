import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRepository } from '../../src/model/model-repository.js';
import { readSettings } from '../../src/settings.js';
import { scratchRepository, writeModel } from '../support/models.js';

// MODELS: an app serves some of the repository's models; the others are never opened or loaded.
describe('MODELS selects the models an app serves', () => {
  let scratch: ReturnType<typeof scratchRepository>;
  const opened: ModelRepository[] = [];
  const open = async (models?: string[], defaultModel?: string) => {
    const repo = await ModelRepository.load({ root: scratch.root, intraOpThreads: 1, models, defaultModel });
    opened.push(repo);
    return repo;
  };

  beforeAll(() => {
    scratch = scratchRepository();
    const config = JSON.parse(readFileSync(join(scratch.root, 'mnist', 'config.json'), 'utf8'));
    const onnx = readFileSync(join(scratch.root, 'mnist', '1', 'model.onnx'));
    writeModel(scratch.root, 'digits', { ...config, name: 'digits', versions: {} }, { '1/model.onnx': onnx });
    // Broken on purpose: left out, it must not even be scanned (no problem reported for it).
    writeModel(scratch.root, 'broken', { name: 'broken', platform: 'sklearn' }, { '1/model.pkl': 'x' });
  });

  afterAll(async () => {
    for (const r of opened) await r.close();
    scratch?.cleanup();
  });

  it('serves every model without MODELS', async () => {
    const repo = await open();
    expect(repo.names()).toEqual(['digits', 'mnist']);
    expect(repo.problems).toEqual([expect.stringContaining('broken')]);
  });

  it('loads only the named models, the first of them the default, and names the left-out ones in errors', async () => {
    const repo = await open(['mnist', 'digits']);
    expect(repo.names()).toEqual(['digits', 'mnist']);
    expect(repo.defaultModel).toBe('mnist');
    expect(repo.problems).toEqual([]);
    expect(repo.ready('digits').state).toBe('READY');
    expect(() => repo.find('broken')).toThrow(
      expect.objectContaining({
        code: 'MODEL_NOT_FOUND',
        message: expect.stringContaining('MODELS leaves it out'),
      }),
    );
    expect(() => repo.find('nope')).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('unknown model') }),
    );
  });

  it('reports a name that is not in the repository, and DEFAULT_MODEL still wins', async () => {
    const repo = await open(['mnst', 'digits'], 'digits');
    expect(repo.names()).toEqual(['digits']);
    expect(repo.defaultModel).toBe('digits');
    expect(repo.problems).toEqual([expect.stringContaining('MODELS names "mnst", which is not in')]);
  });

  it('reads MODELS as a comma-separated list, blanks meaning every model', () => {
    expect(readSettings({ MODELS: ' mnist, ocr ,,mnist' }).models).toEqual(['mnist', 'ocr']);
    expect(readSettings({ MODELS: ' , ' }).models).toBeUndefined();
    expect(readSettings({}).models).toBeUndefined();
  });
});

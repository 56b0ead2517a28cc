import { describe, expect, it } from 'vitest';
import { matchBlobName, parseTriggerPath, resolveBlobPath } from '../src/blob/blob-path.js';

describe('blob paths', () => {
  it('binds {name} to the whole blob name, virtual folders included', () => {
    const p = parseTriggerPath('images/{name}');
    expect(p).toMatchObject({ container: 'images', prefix: '', params: ['name'] });
    expect(matchBlobName(p, 'a/b/7.png')).toEqual({ name: 'a/b/7.png' });
  });

  it('matches literal parts and lists by the literal prefix', () => {
    const p = parseTriggerPath('in/digits/{name}.{ext}');
    expect(p.prefix).toBe('digits/');
    expect(matchBlobName(p, 'digits/seven.v2.png')).toEqual({ name: 'seven.v2', ext: 'png' });
    expect(matchBlobName(p, 'other/seven.png')).toBeUndefined();
    expect(matchBlobName(p, 'digits/noext')).toBeUndefined();
  });

  it('fills output paths from the bindings', () => {
    expect(resolveBlobPath('predictions/{name}.json', { name: 'x/7.png' })).toEqual({
      container: 'predictions',
      blobName: 'x/7.png.json',
    });
    expect(resolveBlobPath('out/{rand-guid}', {}).blobName).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses paths it cannot serve, saying why', () => {
    expect(() => parseTriggerPath('images')).toThrow(expect.objectContaining({ code: 'INVALID_BLOB_PATH' }));
    expect(() => parseTriggerPath('{c}/{name}')).toThrow(
      expect.objectContaining({ code: 'INVALID_BLOB_PATH' }),
    );
    expect(() => resolveBlobPath('out/{missing}.json', { name: 'a' })).toThrow(
      expect.objectContaining({ code: 'UNRESOLVED_BINDING_PARAMETER' }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { Placement } from '../../src/pipeline/placement.js';
import type { InferencePool } from '../../src/pool/inference-pool.js';
import type { SessionSpec } from '../../src/pool/worker-protocol.js';

/** Run times are given, never measured: where a model runs must not depend on how busy the machine is. */
function placementWith(register: () => Promise<void>) {
  const registered: string[] = [];
  const pool = {
    register: (spec: SessionSpec) => (registered.push(spec.key), register()),
  } as unknown as InferencePool;
  const spec = { key: 'm:1' } as SessionSpec;
  return { placement: new Placement(spec, pool, 0.001), registered };
}

describe('Placement', () => {
  it('keeps a model whose runs average under the threshold in this thread', () => {
    const { placement, registered } = placementWith(async () => {});
    for (let i = 0; i < 50; i++) expect(placement.observe(0.0002)).toBeUndefined();
    expect(placement.where).toBe('inline');
    expect(registered).toEqual([]);
  });

  it('moves it to the pool once the mean passes the threshold, once', async () => {
    const { placement, registered } = placementWith(async () => {});
    expect(placement.observe(0.0002)).toBeUndefined();
    const move = placement.observe(0.01);
    expect(placement.where).toBe('moving');
    expect(placement.observe(0.01)).toBeUndefined();
    await move;
    expect(placement.where).toBe('pool');
    expect(registered).toEqual(['m:1']);
  });

  it('ignores one slow run among fast ones (a mean, not the last run)', () => {
    const { placement } = placementWith(async () => {});
    for (let i = 0; i < 10; i++) placement.observe(0.0001);
    expect(placement.observe(0.004)).toBeUndefined();
    expect(placement.where).toBe('inline');
  });

  it('stays here with the reason when the pool cannot take the model', async () => {
    const { placement } = placementWith(() => Promise.reject(new Error('no thread')));
    await placement.observe(0.01);
    expect(placement.where).toBe('inline');
    expect(placement.problem).toBe('no thread');
    expect(placement.observe(0.01)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../src/model/model-version.js';
import { VersionLoading } from '../../src/model/version-loading.js';

function placeholder(name: string): ModelVersion {
  return {
    name,
    version: '1',
    config: { name, platform: 'onnxruntime_onnx', max_batch_size: 0, input: [], output: [] },
    path: `/models/${name}/1/model.onnx`,
    sha256: '',
    state: 'LOADING',
    reason: 'loading',
    batched: false,
    inputs: [],
    outputs: [],
  };
}

/** What a loader returns: a new object (as the repository's loaders make), READY, without the placeholder's reason. */
function loaded(v: ModelVersion): ModelVersion {
  const { reason: _loading, ...rest } = v;
  return { ...rest, state: 'READY', sha256: `sha-${v.name}` };
}

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('VersionLoading (per-version readiness)', () => {
  it('loads the cheapest version first; each is READY only after its own warm-up', async () => {
    const big = placeholder('big');
    const small = placeholder('small');
    const order: string[] = [];
    const warm = gate();
    const loading = new VersionLoading([
      { version: big, cost: 1_000_000, load: async () => (order.push('big'), loaded(big)) },
      { version: small, cost: 10, load: async () => (order.push('small'), loaded(small)) },
    ]);
    const all = loading.start(async (v) => {
      if (v === big) await warm.opened;
    });
    await loading.waitFor(small, 5_000);
    expect(small.state).toBe('READY');
    expect(small.reason).toBeUndefined();
    expect(small.sha256).toBe('sha-small');
    // Loaded, but its warm-up has not finished: not READY, and a short wait is refused with a retry hint.
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['small', 'big']);
    expect(big.state).toBe('LOADING');
    expect(big.sha256).toBe('sha-big');
    expect(loading.active).toBe(true);
    await expect(loading.waitFor(big, 30)).rejects.toMatchObject({
      code: 'MODEL_LOADING',
      status: 503,
      permanent: false,
      retryAfterSeconds: 1,
    });
    // A longer wait ends when the warm-up does.
    const waiting = loading.waitFor(big, 5_000);
    warm.open();
    await waiting;
    expect(big.state).toBe('READY');
    await all;
    expect(loading.active).toBe(false);
  });

  it('a version whose load fails or whose warm-up refuses it settles UNAVAILABLE, and the others still load', async () => {
    const broken = placeholder('broken');
    const cold = placeholder('cold');
    const fine = placeholder('fine');
    const loading = new VersionLoading([
      { version: broken, cost: 1, load: () => Promise.reject(new Error('disk on fire')) },
      { version: cold, cost: 2, load: async () => loaded(cold) },
      { version: fine, cost: 3, load: async () => loaded(fine) },
    ]);
    await loading.start(async (v) => {
      if (v === cold) Object.assign(v, { state: 'UNAVAILABLE', reason: 'model_warmup "x" failed' });
    });
    expect(broken).toMatchObject({ state: 'UNAVAILABLE', reason: 'disk on fire' });
    expect(cold).toMatchObject({ state: 'UNAVAILABLE', reason: 'model_warmup "x" failed' });
    expect(fine.state).toBe('READY');
    await loading.settled();
    await expect(loading.waitFor(broken, 10)).resolves.toBeUndefined();
  });

  it('stop lets the version under way settle and starts no other', async () => {
    const first = placeholder('first');
    const second = placeholder('second');
    const warm = gate();
    let secondLoaded = false;
    const loading = new VersionLoading([
      { version: first, cost: 1, load: async () => loaded(first) },
      { version: second, cost: 2, load: async () => ((secondLoaded = true), loaded(second)) },
    ]);
    void loading.start(() => warm.opened);
    await new Promise((r) => setTimeout(r, 20));
    const stopped = loading.stop();
    warm.open();
    await stopped;
    expect(first.state).toBe('READY');
    expect(secondLoaded).toBe(false);
    expect(second).toMatchObject({ state: 'UNAVAILABLE', reason: 'the host is shutting down' });
    await loading.settled();
  });
});

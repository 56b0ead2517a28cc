import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../../src/cache/backends/circuit-breaker.js';
import { metrics } from '../../../src/metrics.js';

function setup(options: { failureThreshold?: number; coolDownMs?: number } = {}) {
  let now = 1000;
  const gauge = {
    value: -1,
    set(v: number) {
      this.value = v;
    },
  };
  const breaker = new CircuitBreaker({ ...options, now: () => now, gauge });
  return { breaker, gauge, advance: (ms: number) => (now += ms) };
}

function fail(breaker: CircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) breaker.acquire()?.failure();
}

describe('CircuitBreaker', () => {
  it('starts closed with defaults 5 failures / 2 s', () => {
    const { breaker, gauge } = setup();
    expect(breaker.state).toBe('closed');
    expect(breaker.failureThreshold).toBe(5);
    expect(breaker.coolDownMs).toBe(2000);
    expect(gauge.value).toBe(0);
  });

  it('opens after N consecutive failures and refuses calls', () => {
    const { breaker, gauge } = setup();
    fail(breaker, 4);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(gauge.value).toBe(1);
    expect(breaker.acquire()).toBeUndefined();
  });

  it('a success resets the consecutive count', () => {
    const { breaker } = setup();
    fail(breaker, 4);
    breaker.acquire()?.success();
    fail(breaker, 4);
    expect(breaker.state).toBe('closed');
  });

  it('goes half-open after the cool-down and lets exactly one probe through', () => {
    const { breaker, advance } = setup({ failureThreshold: 2, coolDownMs: 500 });
    fail(breaker, 2);
    advance(499);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');
    const probe = breaker.acquire();
    expect(probe).toBeDefined();
    expect(breaker.acquire()).toBeUndefined();
    probe?.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.acquire()).toBeDefined();
  });

  it('a failed probe re-opens for a new cool-down', () => {
    const { breaker, gauge, advance } = setup({ failureThreshold: 1, coolDownMs: 100 });
    fail(breaker, 1);
    advance(100);
    breaker.acquire()?.failure();
    expect(breaker.state).toBe('open');
    expect(gauge.value).toBe(1);
    advance(99);
    expect(breaker.acquire()).toBeUndefined();
    advance(1);
    const probe = breaker.acquire();
    expect(probe).toBeDefined();
    probe?.success();
    expect(breaker.state).toBe('closed');
    expect(gauge.value).toBe(0);
  });

  it('ignores late outcomes of calls started before the breaker opened', () => {
    const { breaker, advance } = setup({ failureThreshold: 2, coolDownMs: 100 });
    const slow = breaker.acquire();
    const slowFailure = breaker.acquire();
    fail(breaker, 2);
    expect(breaker.state).toBe('open');
    slow?.success(); // stale: must not close
    expect(breaker.state).toBe('open');
    advance(100);
    const probe = breaker.acquire();
    slowFailure?.failure(); // stale: must not re-open while the probe is out
    expect(breaker.state).toBe('half-open');
    probe?.success();
    expect(breaker.state).toBe('closed');
  });

  it('counts an outcome once per permit', () => {
    const { breaker } = setup({ failureThreshold: 2 });
    const permit = breaker.acquire();
    permit?.failure();
    permit?.failure();
    expect(breaker.state).toBe('closed');
  });

  it('lets a new probe through when one never reported back', () => {
    const { breaker, advance } = setup({ failureThreshold: 1, coolDownMs: 100 });
    fail(breaker, 1);
    advance(100);
    expect(breaker.acquire()).toBeDefined(); // lost
    expect(breaker.acquire()).toBeUndefined();
    advance(100);
    expect(breaker.acquire()).toBeDefined();
  });

  it('execute runs, records and rejects with CircuitOpenError when open', async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    await expect(breaker.execute(async () => 42)).resolves.toBe(42);
    await expect(breaker.execute(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    let called = false;
    await expect(
      breaker.execute(async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
  });

  it('reports to the modelfn_cache_breaker_open gauge by default', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10, now: () => now });
    expect((await metrics.cacheBreakerOpen.get()).values[0]?.value).toBe(0);
    breaker.acquire()?.failure();
    expect((await metrics.cacheBreakerOpen.get()).values[0]?.value).toBe(1);
    now = 10;
    breaker.acquire()?.success();
    expect((await metrics.cacheBreakerOpen.get()).values[0]?.value).toBe(0);
  });
});

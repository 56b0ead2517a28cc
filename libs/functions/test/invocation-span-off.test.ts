// With tracing off (no SDK registered in this process) the span wrapper makes no span at all: every
// invocation, cache hits included, runs the handler as it would unwrapped. The traced shapes are in
// invocation-span.test.ts, a process of its own with the SDK on.
import azf from '@azure/functions';
import { tracingOn } from '@modelfn/telemetry';
import { describe, expect, it } from 'vitest';
import { observeInvocation } from '../src/index.js';

const context = new azf.InvocationContext({ functionName: 'score', invocationId: 'inv-1' });

describe('observeInvocation with tracing off', () => {
  it("hands back the handler's own promise, with the handler called on the input and the context", async () => {
    expect(tracingOn()).toBe(false);
    const answer = Promise.resolve({ status: 200 });
    const seen: unknown[] = [];
    const wrapped = observeInvocation('http', (input: unknown, ctx: unknown) => {
      seen.push(input, ctx);
      return answer;
    });
    expect(wrapped('request', context)).toBe(answer);
    expect(seen).toEqual(['request', context]);
  });

  it("turns a handler's synchronous throw into a rejection, and a plain value into a promise of it", async () => {
    const throws = observeInvocation('blob', () => {
      throw new Error('bad blob');
    });
    await expect(throws(Buffer.from('x'), context)).rejects.toThrow('bad blob');
    const plain = observeInvocation('queue', () => 'done');
    await expect(plain('m', context)).resolves.toBe('done');
  });
});

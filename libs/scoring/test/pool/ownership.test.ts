import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { markSole, movable } from '../../src/pool/ownership.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const tensor = (data: Float32Array): Tensor => ({ name: 'x', datatype: 'FP32', shape: [data.length], data });

function send(tensors: Tensor[]): void {
  const { port1, port2 } = new MessageChannel();
  const { tensors: moved, transfer } = movable(tensors);
  port1.postMessage(moved, transfer);
  port1.close();
  port2.close();
}

describe('moving tensors between threads', () => {
  it('moves a buffer marked as its holder’s alone, without a copy', () => {
    const t = tensor(new Float32Array([1, 2, 3]));
    markSole([t]);
    send([t]);
    expect(t.data.length).toBe(0); // detached: it went to the other side
  });

  it('copies anything else, so the sender keeps its data', () => {
    const plain = tensor(new Float32Array([1, 2, 3]));
    const shared = new Float32Array(8);
    const view = tensor(shared.subarray(2, 4));
    markSole([view]);
    send([plain, view]);
    expect(Array.from(plain.data as Float32Array)).toEqual([1, 2, 3]);
    expect(view.data.length).toBe(2);
    expect(shared.length).toBe(8);
  });
});

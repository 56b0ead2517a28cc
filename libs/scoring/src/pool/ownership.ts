import type { Tensor } from '../tensor/tensor.js';

/**
 * Buffers that exactly one holder uses, so they may be moved to another thread instead of copied: the
 * inputs a script thread sent with an infer call, and the outputs of a run no one else shares. Anything
 * not marked is copied before it is moved, because a view may share its buffer with other requests
 * (Node's pooled Buffers, a batch's rows, single-flight waiters).
 */
const sole = new WeakSet<ArrayBufferLike>();

export function markSole(tensors: Iterable<Tensor>): void {
  for (const t of tensors) if (!Array.isArray(t.data)) sole.add(t.data.buffer);
}

/** The tensors as they may be moved: sole whole buffers as they are, everything else copied. */
export function movable<T extends Tensor>(tensors: T[]): { tensors: T[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const moved = tensors.map((t) => {
    if (Array.isArray(t.data)) return t;
    const d = t.data;
    if (
      sole.has(d.buffer) &&
      d.byteOffset === 0 &&
      d.byteLength === d.buffer.byteLength &&
      !transfer.includes(d.buffer as ArrayBuffer)
    ) {
      sole.delete(d.buffer);
      transfer.push(d.buffer as ArrayBuffer);
      return t;
    }
    const data = d.slice();
    transfer.push(data.buffer as ArrayBuffer);
    return { ...t, data };
  });
  return { tensors: moved, transfer };
}

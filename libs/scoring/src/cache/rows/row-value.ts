import type { IoSpec } from '../../model/io-spec.js';
import type { ModelVersion } from '../../model/model-version.js';
import { allocate, bytesPerElement } from '../../tensor/datatype.js';
import type { Tensor, TensorData } from '../../tensor/tensor.js';

/**
 * The cached value of one row: the bytes of every output's slice for that row. When every output has a
 * fixed row shape and a fixed element size, the value is those slices back to back (mnist: its ten
 * float32 probabilities, 40 bytes); otherwise each output is framed with its shape and byte length.
 * Typed arrays are stored in the machine's byte order, little-endian on every platform Node.js runs.
 */
export interface RowLayout {
  /** Bytes of one row when the layout is fixed, else undefined (framed). */
  fixedBytes: number | undefined;
}

const layouts = new WeakMap<ModelVersion, RowLayout>();

function fixedSize(o: IoSpec): number | undefined {
  const width = bytesPerElement(o.datatype);
  return o.size !== undefined && width !== undefined ? o.size * width : undefined;
}

export function rowLayout(model: ModelVersion): RowLayout {
  let layout = layouts.get(model);
  if (!layout) {
    const sizes = model.outputs.map(fixedSize);
    const fixed = model.batched && sizes.every((s) => s !== undefined);
    layout = { fixedBytes: fixed ? sizes.reduce((a, b) => a! + b!, 0) : undefined };
    layouts.set(model, layout);
  }
  return layout;
}

function bytesOf(data: Exclude<TensorData, string[]>): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The row's shape: one row of a batched tensor (batch dim dropped), or the whole tensor. */
function rowShape(t: Tensor, batched: boolean): number[] {
  return batched ? t.shape.slice(1) : t.shape;
}

function rowElements(t: Tensor, batched: boolean): number {
  return rowShape(t, batched).reduce((a, b) => a * b, 1);
}

/** Encodes row `r` of the outputs (all rows of the tensors when the model is not batched). */
export function encodeRowValue(model: ModelVersion, outputs: Tensor[], r: number): Uint8Array {
  const layout = rowLayout(model);
  if (layout.fixedBytes !== undefined) {
    if (outputs.length === 1) {
      const t = outputs[0];
      const n = rowElements(t, true);
      return bytesOf((t.data as Exclude<TensorData, string[]>).subarray(r * n, (r + 1) * n));
    }
    const out = new Uint8Array(layout.fixedBytes);
    let off = 0;
    for (const t of outputs) {
      const n = rowElements(t, true);
      const slice = bytesOf((t.data as Exclude<TensorData, string[]>).subarray(r * n, (r + 1) * n));
      out.set(slice, off);
      off += slice.length;
    }
    return out;
  }
  const parts: Buffer[] = [];
  for (const t of outputs) {
    const shape = rowShape(t, model.batched);
    const n = rowElements(t, model.batched);
    const head = Buffer.alloc(4 + shape.length * 4 + 4);
    head.writeUInt32LE(shape.length, 0);
    shape.forEach((d, i) => head.writeUInt32LE(d, 4 + i * 4));
    let body: Buffer;
    if (Array.isArray(t.data)) {
      const strings = (t.data as string[]).slice(r * n, (r + 1) * n).map((s) => Buffer.from(s, 'utf8'));
      body = Buffer.concat(
        strings.flatMap((b) => {
          const len = Buffer.alloc(4);
          len.writeUInt32LE(b.length, 0);
          return [len, b];
        }),
      );
    } else {
      body = Buffer.from(bytesOf((t.data as Exclude<TensorData, string[]>).subarray(r * n, (r + 1) * n)));
    }
    head.writeUInt32LE(body.length, 4 + shape.length * 4);
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

function readElements(spec: IoSpec, bytes: Uint8Array, count: number): TensorData | undefined {
  if (spec.datatype === 'BYTES') {
    const out: string[] = [];
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 4 > view.length) return undefined;
      const len = view.readUInt32LE(p);
      if (p + 4 + len > view.length) return undefined;
      out.push(view.toString('utf8', p + 4, p + 4 + len));
      p += 4 + len;
    }
    return p === view.length ? out : undefined;
  }
  const width = bytesPerElement(spec.datatype)!;
  if (bytes.length !== count * width) return undefined;
  const data = allocate(spec.datatype, count) as Exclude<TensorData, string[]>;
  // A byte copy: the cached bytes are rarely aligned for a typed-array view.
  bytesOf(data).set(bytes);
  return data;
}

/**
 * The outputs of one cached row, as tensors of one row each (shape [1, ...] when batched), or undefined
 * when the value does not fit the model (another model's entry, or a corrupted one): a miss.
 */
export function decodeRowValue(model: ModelVersion, value: Uint8Array): Tensor[] | undefined {
  const layout = rowLayout(model);
  const out: Tensor[] = [];
  if (layout.fixedBytes !== undefined) {
    if (value.length !== layout.fixedBytes) return undefined;
    let off = 0;
    for (const o of model.outputs) {
      const len = o.size! * bytesPerElement(o.datatype)!;
      const data = readElements(o, value.subarray(off, off + len), o.size!)!;
      out.push({ name: o.name, datatype: o.datatype, shape: [1, ...o.dims], data });
      off += len;
    }
    return out;
  }
  const view = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  let p = 0;
  for (const o of model.outputs) {
    if (p + 4 > view.length) return undefined;
    const ndim = view.readUInt32LE(p);
    if (ndim > 16 || p + 8 + ndim * 4 > view.length) return undefined;
    const shape: number[] = [];
    for (let i = 0; i < ndim; i++) shape.push(view.readUInt32LE(p + 4 + i * 4));
    const len = view.readUInt32LE(p + 4 + ndim * 4);
    const start = p + 8 + ndim * 4;
    if (start + len > view.length) return undefined;
    const data = readElements(
      o,
      value.subarray(start, start + len),
      shape.reduce((a, b) => a * b, 1),
    );
    if (!data) return undefined;
    out.push({ name: o.name, datatype: o.datatype, shape: model.batched ? [1, ...shape] : shape, data });
    p = start + len;
  }
  return p === view.length ? out : undefined;
}

const views = new WeakMap<ModelVersion, Map<string, ModelVersion>>();

/**
 * The model as a selection sees it: its selected outputs only (config order), one object per model and
 * selection, so that the row layout and the value codec above serve a selection's cache entries unchanged.
 */
export function outputsView<M extends ModelVersion>(model: M, selected: readonly number[] | undefined): M {
  if (selected === undefined) return model;
  let byModel = views.get(model);
  if (!byModel) views.set(model, (byModel = new Map()));
  const key = selected.join(',');
  let view = byModel.get(key);
  if (!view) {
    view = { ...model, outputs: selected.map((k) => model.outputs[k]) };
    byModel.set(key, view);
  }
  return view as M;
}

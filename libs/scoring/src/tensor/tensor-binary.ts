import { isUtf8 } from 'node:buffer';
import { ScoringError } from '../errors.js';
import { DATATYPE_INFO } from './datatype.js';
import { checkShape } from './tensor-from-json.js';
import type { DataType, Tensor } from './tensor.js';

/** The binary extension is little-endian, like every host Node runs on in practice; s390x is the exception. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies `from` into `to` reversing each `size`-byte element: the big-endian host path. */
function swapInto(to: Uint8Array, from: Uint8Array, size: number): void {
  for (let i = 0; i < from.length; i += size) {
    for (let b = 0; b < size; b++) to[i + b] = from[i + size - 1 - b];
  }
}

function readStrings(name: string, count: number, bytes: Uint8Array): string[] {
  // Each element costs at least its 4-byte length: refusing early keeps a huge shape from allocating.
  if (bytes.length < count * 4) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" binary data holds ${bytes.length} bytes; ${count} BYTES elements need at least ${count * 4} (a 4-byte length each)`,
    );
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<string>(count);
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 4 > buf.length) {
      throw new ScoringError(
        'INVALID_SHAPE',
        `input "${name}" binary data holds ${buf.length} bytes and ends inside the 4-byte length of BYTES element ${i} (at byte ${off}); ${count} elements expected`,
      );
    }
    const n = buf.readUInt32LE(off);
    off += 4;
    if (n > buf.length - off) {
      throw new ScoringError(
        'INVALID_SHAPE',
        `input "${name}" BYTES element ${i} declares ${n} bytes at byte ${off}, but the binary data holds ${buf.length} bytes (${buf.length - off} left)`,
      );
    }
    const s = buf.subarray(off, off + n);
    // Elements are held as JS strings: bytes that are not UTF-8 would be silently replaced, so refuse them.
    if (!isUtf8(s)) {
      throw new ScoringError('INVALID_DATATYPE', `input "${name}" BYTES element ${i} is not valid UTF-8`);
    }
    out[i] = s.toString('utf8');
    off += n;
  }
  if (off !== buf.length) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" binary data holds ${buf.length} bytes; its ${count} BYTES elements end after ${off}`,
    );
  }
  return out;
}

/**
 * A tensor from the binary tensor data extension: elements little-endian and packed, BOOL one byte each,
 * BYTES each a 4-byte little-endian length then its bytes. `bytes` may sit at any offset of its buffer;
 * the tensor gets its own aligned copy, so it never aliases (or keeps alive) the request body.
 */
export function tensorFromBinary(
  name: string,
  datatype: DataType,
  shape: number[],
  bytes: Uint8Array,
): Tensor {
  const count = checkShape(name, shape);
  if (datatype === 'BYTES')
    return { name, datatype, shape: [...shape], data: readStrings(name, count, bytes) };
  const { bytes: size, array: Storage } = DATATYPE_INFO[datatype];
  const expected = count * size!;
  if (bytes.length !== expected) {
    throw new ScoringError(
      'INVALID_SHAPE',
      `input "${name}" binary data holds ${bytes.length} bytes; ${datatype} shape [${shape}] needs ${expected} (${count} values of ${size} bytes)`,
    );
  }
  const data = new Storage!(count);
  const target = new Uint8Array(data.buffer, 0, expected);
  // A byte copy into fresh storage is one memcpy whatever the source alignment: 784x256 FP32 from an
  // unaligned body takes ~55 us against ~400 us element by element through a DataView.
  if (LITTLE_ENDIAN_HOST || size === 1) target.set(bytes);
  else swapInto(target, bytes, size!);
  if (datatype === 'BOOL') {
    for (let i = 0; i < count; i++) {
      // Any other byte would be "true" to the model yet hash differently in the cache: refuse it.
      if (target[i] > 1) {
        throw new ScoringError(
          'INVALID_DATATYPE',
          `input "${name}" element ${i} is byte ${target[i]}; BOOL takes 0 or 1`,
        );
      }
    }
  }
  return { name, datatype, shape: [...shape], data };
}

function stringsToBinary(strings: readonly string[]): Buffer {
  let total = 4 * strings.length;
  for (const s of strings) total += Buffer.byteLength(s, 'utf8');
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  for (const s of strings) {
    const n = buf.write(s, off + 4, 'utf8');
    buf.writeUInt32LE(n, off);
    off += 4 + n;
  }
  return buf;
}

/**
 * The tensor's elements in the binary tensor data extension's layout. For numeric tensors on a
 * little-endian host this is a view of `t.data`, not a copy: responses concatenate it into the body anyway.
 */
export function tensorToBinary(t: Tensor): Buffer {
  const d = t.data;
  if (Array.isArray(d)) return stringsToBinary(d);
  const size = DATATYPE_INFO[t.datatype].bytes!;
  const view = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  if (LITTLE_ENDIAN_HOST || size === 1) return view;
  const out = Buffer.allocUnsafe(view.length);
  swapInto(out, view, size);
  return out;
}

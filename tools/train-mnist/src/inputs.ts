// Turns MNIST bytes into model inputs. MNIST digits are ~80% background zeros, so training and the JS
// forward pass walk only the non-zero pixels: same sums as a dense matmul, about 5x less work.

/** Multiply a 0..255 pixel by this to get the model input (pixel/255, white digit on black). */
export const PIXEL_SCALE = 1 / 255;

/** CSR-style rows: the non-zero inputs of row r are index/value[offsets[r] .. offsets[r+1]). */
export interface SparseRows {
  count: number;
  width: number;
  offsets: Uint32Array;
  index: Uint16Array;
  value: Float32Array;
}

/** Dense float inputs exactly as a client would send them to the ONNX model. */
export function toFloatInputs(images: Uint8Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i] * PIXEL_SCALE;
  return out;
}

/** Packs dense rows (bytes scaled by PIXEL_SCALE, or floats used as-is) into SparseRows. */
export function toSparseRows(pixels: Uint8Array | Float32Array, count: number, width: number): SparseRows {
  if (pixels.length !== count * width) {
    throw new Error(`expected ${count} x ${width} = ${count * width} inputs, got ${pixels.length}`);
  }
  if (width > 0xffff) throw new Error(`row width ${width} exceeds the 65535 supported by the sparse index`);
  const scale = pixels instanceof Uint8Array ? PIXEL_SCALE : 1;
  let nnz = 0;
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) nnz++;
  const offsets = new Uint32Array(count + 1);
  const index = new Uint16Array(nnz);
  const value = new Float32Array(nnz);
  let p = 0;
  for (let r = 0; r < count; r++) {
    offsets[r] = p;
    const base = r * width;
    for (let k = 0; k < width; k++) {
      const x = pixels[base + k];
      if (x !== 0) {
        index[p] = k;
        value[p] = x * scale;
        p++;
      }
    }
  }
  offsets[count] = p;
  return { count, width, offsets, index, value };
}

/** One recognised line: its text and the mean probability of its characters. */
export interface Decoded {
  text: string;
  confidence: number;
}

/**
 * Greedy CTC decoding as PaddleOCR's CTCLabelDecode, from the most likely class of each time step and
 * its probability (`best[t]`, `max[t]`): repeats collapsed, blanks (class 0) removed; confidence is the
 * mean of the kept steps' maxima (0 for none). A class the table does not have is an error: the keys file
 * and the graph disagree.
 */
export function ctcDecode(
  best: ArrayLike<number>,
  max: ArrayLike<number>,
  offset: number,
  steps: number,
  table: string[],
): Decoded {
  let text = '';
  let sum = 0;
  let kept = 0;
  let prev = -1;
  for (let t = offset; t < offset + steps; t++) {
    const k = best[t];
    if (k !== 0 && k !== prev) {
      if (k >= table.length)
        throw new Error(`rec.onnx gave class ${k}; the keys file has ${table.length} classes`);
      text += table[k];
      sum += max[t];
      kept++;
    }
    prev = k;
  }
  return { text, confidence: kept === 0 ? 0 : sum / kept };
}

/**
 * The most likely class and its probability per time step of a full softmax output (`steps` x `classes`
 * from row `row`), for a rec.onnx served without config.json's top_k.
 */
export function argmaxSteps(
  probs: Float32Array,
  row: number,
  steps: number,
  classes: number,
): { best: Int32Array; max: Float32Array } {
  const best = new Int32Array(steps);
  const max = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    const base = (row * steps + t) * classes;
    let b = 0;
    let m = probs[base];
    for (let k = 1; k < classes; k++) {
      if (probs[base + k] > m) {
        m = probs[base + k];
        b = k;
      }
    }
    best[t] = b;
    max[t] = m;
  }
  return { best, max };
}

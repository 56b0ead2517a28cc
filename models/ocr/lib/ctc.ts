/** One recognised line: its text and the mean probability of its characters. */
export interface Decoded {
  text: string;
  confidence: number;
}

/**
 * Greedy CTC decoding as PaddleOCR's CTCLabelDecode: the most likely class per time step, repeats
 * collapsed, blanks (class 0) removed; confidence is the mean of the kept steps' maxima (0 for none).
 * `probs` holds `steps` x `classes` softmax outputs starting at `offset`.
 */
export function ctcGreedy(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  table: string[],
): Decoded {
  let text = '';
  let sum = 0;
  let kept = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    let max = probs[row];
    for (let k = 1; k < classes; k++) {
      if (probs[row + k] > max) {
        max = probs[row + k];
        best = k;
      }
    }
    if (best !== 0 && best !== prev) {
      text += table[best] ?? '';
      sum += max;
      kept++;
    }
    prev = best;
  }
  return { text, confidence: kept === 0 ? 0 : sum / kept };
}

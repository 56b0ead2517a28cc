/**
 * Python's round() and numpy's np.round: halves go to the even neighbour. PaddleOCR rounds the detector's
 * input size and the boxes with them, and Math.round (halves up) would move some by a pixel or 32.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

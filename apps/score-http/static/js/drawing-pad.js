// @ts-check
// A canvas to draw on with a mouse, pen or finger (pointer events).

/**
 * @typedef {object} Pad
 * @property {() => void} clear
 * @property {() => boolean} isEmpty
 * @property {(ink: string, paper: string) => void} setColors ink on paper; clears the pad
 */

/**
 * @param {HTMLCanvasElement} canvas
 * @param {() => void} onStroke called after each stroke
 * @returns {Pad}
 */
export function drawingPad(canvas, onStroke) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { willReadFrequently: true }));
  let ink = '#fff';
  let paper = '#000';
  let empty = true;
  /** @type {{ x: number, y: number } | undefined} */
  let last;

  const clear = () => {
    ctx.fillStyle = paper;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    empty = true;
  };
  /** @param {PointerEvent} e */
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * canvas.width) / r.width,
      y: ((e.clientY - r.top) * canvas.height) / r.height,
    };
  };
  /** @param {{ x: number, y: number }} from @param {{ x: number, y: number }} to */
  const line = (from, to) => {
    ctx.strokeStyle = ink;
    // About the stroke width of a pen in MNIST once the digit is fitted into 20x20.
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    empty = false;
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    line(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    line(last, p);
    last = p;
  });
  const end = () => {
    if (!last) return;
    last = undefined;
    onStroke();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();
  return {
    clear,
    isEmpty: () => empty,
    setColors(i, p) {
      ink = i;
      paper = p;
      clear();
    },
  };
}

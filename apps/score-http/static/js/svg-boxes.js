// @ts-check
// Boxes over a picture in SVG: the picture (or a blank sheet) in its own pixels, each box a polygon. SVG
// rather than a canvas so a page scales with the layout at no memory cost (a 100-page document is a few
// thousand elements, not 100 bitmaps), boxes stay crisp, and each box is an element a list can point at.

const NS = 'http://www.w3.org/2000/svg';

/**
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} name
 * @param {Record<string, string | number>} [attrs]
 * @returns {SVGElementTagNameMap[K]}
 */
export function svg(name, attrs = {}) {
  const el = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/**
 * An SVG of `width` × `height` pixels: `picture` (an image's URL) drawn over it, or a white sheet.
 * @param {number} width
 * @param {number} height
 * @param {string} [picture]
 */
export function sheet(width, height, picture) {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height });
  root.append(
    picture
      ? svg('image', { href: picture, x: 0, y: 0, width, height, preserveAspectRatio: 'none' })
      : svg('rect', { x: 0, y: 0, width, height, fill: '#fff' }),
  );
  return root;
}

/**
 * A box as a closed polygon through its corners (a quadrilateral, or a rectangle's four corners), with
 * `label` as its tooltip. The stroke keeps its screen width however far the page is scaled down.
 * @param {number[][]} points
 * @param {string} [label]
 */
export function box(points, label) {
  const poly = svg('polygon', {
    points: points.map(([x, y]) => `${x},${y}`).join(' '),
    'vector-effect': 'non-scaling-stroke',
  });
  if (label) {
    const title = svg('title');
    title.textContent = label;
    poly.append(title);
  }
  return poly;
}

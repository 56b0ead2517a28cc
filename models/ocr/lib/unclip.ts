import { createRequire } from 'node:module';
import { polygonArea, polygonLength, type Pt } from './geometry.js';

// js-clipper is CommonJS without types; only its offsetter is used.
interface IntPoint {
  X: number;
  Y: number;
}
interface ClipperLib {
  ClipperOffset: new (
    miterLimit: number,
    arcTolerance: number,
  ) => {
    AddPath(path: IntPoint[], joinType: number, endType: number): void;
    Execute(solution: IntPoint[][], delta: number): void;
  };
  JoinType: { jtRound: number };
  EndType: { etClosedPolygon: number };
}
const clipper = createRequire(import.meta.url)('js-clipper') as ClipperLib;

/**
 * DB's unclip: the shrunk text kernel grown back by area * ratio / perimeter with round joins, as
 * PaddleOCR does with pyclipper (same Clipper library, same miter limit 2 and arc tolerance 0.25).
 * pyclipper takes integer coordinates, truncating floats, so the points are truncated here too.
 * Undefined when the offset does not give exactly one polygon (PaddleOCR drops those boxes).
 */
export function unclip(box: Pt[], ratio: number): Pt[] | undefined {
  const length = polygonLength(box);
  if (length === 0) return undefined;
  const distance = (polygonArea(box) * ratio) / length;
  const offset = new clipper.ClipperOffset(2, 0.25);
  offset.AddPath(
    box.map(([x, y]) => ({ X: Math.trunc(x), Y: Math.trunc(y) })),
    clipper.JoinType.jtRound,
    clipper.EndType.etClosedPolygon,
  );
  const out: IntPoint[][] = [];
  offset.Execute(out, distance);
  return out.length === 1 ? out[0].map((p) => [p.X, p.Y]) : undefined;
}

import { describe, expect, it } from 'vitest';
import { iou, nms, type Candidate } from '../../src/encode/nms.js';

const c = (box: Candidate['box'], cls: number, score: number): Candidate => ({ box, cls, score });

describe('iou', () => {
  it('is intersection over union, 0 for boxes that only touch', () => {
    // [0,0,10,10] and [5,0,15,10]: 50 / (100 + 100 - 50)
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 12);
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('nms', () => {
  // IoU(a, b) = 324 / 476 = 0.68; IoU(a, other) = 361 / 439 = 0.82; far overlaps nothing.
  const a = c([10, 20, 30, 40], 0, 0.9);
  const b = c([12, 22, 32, 42], 0, 0.8);
  const other = c([11, 21, 31, 41], 1, 0.7);
  const far = c([40, 30, 60, 44], 2, 0.6);
  const opts = { iouThreshold: 0.45, maxDetections: 100 };

  it('per class: a box suppresses a worse one of its class only', () => {
    expect(nms([b, far, other, a], opts)).toEqual([a, other, far]);
  });

  it('class-agnostic: any kept box suppresses', () => {
    expect(nms([b, far, other, a], { ...opts, classAgnostic: true })).toEqual([a, far]);
  });

  it('keeps a box whose IoU is at the threshold (suppression is above it)', () => {
    expect(nms([a, b], { ...opts, iouThreshold: 324 / 476 })).toEqual([a, b]);
    expect(nms([a, b], { ...opts, iouThreshold: 0.68 })).toEqual([a]);
  });

  it('stops at maxDetections, best first; ties keep the earlier candidate first', () => {
    expect(nms([b, far, other, a], { ...opts, maxDetections: 2 })).toEqual([a, other]);
    const twin = c([40, 30, 60, 44], 1, 0.6);
    expect(nms([twin, far], opts)).toEqual([twin, far]);
    expect(nms([far, twin], { ...opts, classAgnostic: true })).toEqual([far]);
  });

  it('a suppressed box suppresses nothing (greedy, as torchvision)', () => {
    // x0 suppresses x1 (IoU 0.82); x1 would have suppressed x2 (0.82), but x0 and x2 overlap by 0.68 only.
    const x0 = c([0, 0, 20, 20], 0, 0.9);
    const x1 = c([1, 1, 21, 21], 0, 0.8);
    const x2 = c([2, 2, 22, 22], 0, 0.7);
    expect(nms([x0, x1, x2], { iouThreshold: 0.7, maxDetections: 10 })).toEqual([x0, x2]);
  });
});

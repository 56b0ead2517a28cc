import { describe, expect, it } from 'vitest';
import { parseDetectionConfig } from '../../src/model/detection-config.js';

const parse = (raw: unknown) =>
  parseDetectionConfig(raw, (why) => {
    throw new Error(why);
  });

describe('postprocessing.detection', () => {
  it('fills in the defaults: YOLO boxes are centre and size, separate boxes corners', () => {
    expect(parse({ layout: 'yolov8' })).toEqual({
      layout: 'yolov8',
      boxFormat: 'cxcywh',
      normalized: false,
      scoreThreshold: 0.25,
      iouThreshold: 0.45,
      maxDetections: 100,
      classAgnostic: false,
    });
    expect(parse({ layout: 'boxes', classes: 'labels_idx' })).toMatchObject({
      boxFormat: 'xyxy',
      classes: 'labels_idx',
    });
  });

  it('keeps what is set', () => {
    expect(
      parse({
        layout: 'yolov5',
        output: 'out',
        boxFormat: 'xyxy',
        normalized: true,
        scoreThreshold: 0.5,
        iouThreshold: 0.7,
        maxDetections: 3,
        classAgnostic: true,
        labels: ['a', 'b'],
        note: 'ignored',
      }),
    ).toEqual({
      layout: 'yolov5',
      output: 'out',
      boxFormat: 'xyxy',
      normalized: true,
      scoreThreshold: 0.5,
      iouThreshold: 0.7,
      maxDetections: 3,
      classAgnostic: true,
      labels: ['a', 'b'],
    });
  });

  it.each([
    [{}, 'layout must be one of "yolov5", "yolov8", "boxes"'],
    [{ layout: 'yolov8', scoreThreshold: 2 }, 'scoreThreshold must be a number 0..1'],
    [{ layout: 'yolov8', maxDetections: 0 }, 'maxDetections must be an integer >= 1'],
    [{ layout: 'yolov8', boxFormat: 'xywh' }, 'boxFormat must be one of "cxcywh", "xyxy"'],
    [{ layout: 'yolov8', boxes: 'b' }, '"boxes" are for layout "boxes"'],
    [{ layout: 'boxes', output: 'o' }, 'not "output"'],
    [{ layout: 'yolov8', classAgnostic: 'yes' }, 'classAgnostic must be true or false'],
    [{ layout: 'yolov8', labels: 'cat,dog' }, 'labels must be a list'],
    [{ layout: 'yolov8', conf: 0.3 }, 'unknown key "conf"'],
    [['yolov8'], 'must be an object'],
  ])('refuses %j: %s', (raw, why) => {
    expect(() => parse(raw)).toThrow(why);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { postBytes, postJson, type ErrorBody, type Reply } from './support/http.js';
import { label, row } from './support/mnist.js';
import { SAMPLE_DIGIT, sampleJson, samplePng } from './support/samples.js';

let app: AppUnderTest;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const url = (path: string) => `${app.url}${path}`;

type Top = { label: number; probability: number }[];

/** Each row's k classes: exactly {label, probability}, distinct labels, best first. */
function expectTopShape(rows: Top[], k: number): void {
  for (const top of rows) {
    expect(top).toHaveLength(k);
    for (const c of top) {
      expect(Object.keys(c).sort()).toEqual(['label', 'probability']);
      expect(c.label).toEqual(expect.any(Number));
      expect(c.probability).toBeGreaterThanOrEqual(0);
      expect(c.probability).toBeLessThanOrEqual(1);
    }
    expect(new Set(top.map((c) => c.label)).size).toBe(k);
    const probs = top.map((c) => c.probability);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));
  }
}

describe('POST /score?top=k', () => {
  it('answers the three best classes of the sample digit, sorted, the first being the label /score answers', async () => {
    const body = await sampleJson();
    const plain = await postJson<number[]>(url('/score'), body);
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual([SAMPLE_DIGIT]);

    const r = await postJson<Top[]>(url('/score?top=3'), body);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-model')).toBe('mnist:1');
    expect(r.body).toHaveLength(1);
    expectTopShape(r.body, 3);
    expect(r.body[0][0].label).toBe(plain.body[0]);
  });

  it('gives the same numbers as ?probabilities=true for the classes it lists', async () => {
    const body = await sampleJson();
    const top = await postJson<Top[]>(url('/score?top=3'), body);
    const full = await postJson<{ label: number; probabilities: number[] }[]>(
      url('/score?probabilities=true'),
      body,
    );
    expect(full.status).toBe(200);
    const probabilities = full.body[0].probabilities;
    for (const c of top.body[0]) expect(c.probability).toBe(probabilities[c.label]);
    // The three listed are the three largest of the ten.
    const third = top.body[0][2].probability;
    expect(probabilities.filter((p) => p > third)).toHaveLength(2);
  });

  it('works per row for several rows and for an image body', async () => {
    const rows = await postJson<Top[]>(url('/score?top=2'), { data: [row(1), row(2), row(3)] });
    expect(rows.status).toBe(200);
    expect(rows.body).toHaveLength(3);
    expectTopShape(rows.body, 2);
    expect(rows.body.map((t) => t[0].label)).toEqual([label(1), label(2), label(3)]);

    const png = await postBytes<Top[]>(url('/score?top=3'), await samplePng(), 'image/png');
    expect(png.status).toBe(200);
    expectTopShape(png.body, 3);
    expect(png.body[0][0].label).toBe(SAMPLE_DIGIT);
  });

  it('top=1 is the label alone with its probability; top=10 lists every class', async () => {
    const body = await sampleJson();
    const one = await postJson<Top[]>(url('/score?top=1'), body);
    expect(one.status).toBe(200);
    expectTopShape(one.body, 1);
    expect(one.body[0][0].label).toBe(SAMPLE_DIGIT);

    const all = await postJson<Top[]>(url('/score?top=10'), body);
    expect(all.status).toBe(200);
    expectTopShape(all.body, 10);
    expect(all.body[0].map((c) => c.label).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all.body[0].reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 3);
  });
});

describe('POST /score?top=k errors', () => {
  const expectInvalid = (r: Reply) => {
    expect(r.status).toBe(400);
    expect((r.body as ErrorBody).code).toBe('INVALID_INPUT');
    expect((r.body as ErrorBody).error).toContain('top');
  };

  it.each(['0', 'x', '-1', '1.5', ''])('400 INVALID_INPUT for top=%j', async (k) => {
    expectInvalid(await postJson(url(`/score?top=${k}`), await sampleJson()));
  });
});

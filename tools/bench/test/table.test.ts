import { describe, expect, it } from 'vitest';
import {
  formatFactor,
  formatInt,
  formatMs,
  formatPercent,
  formatThroughput,
  markdownTable,
} from '../src/format.js';
import { compare, ratio } from '../src/ratios.js';
import type { Comparison, Measured } from '../src/results.js';
import { comparedText, renderTable, TABLE_HEADER } from '../src/table.js';

const row = (id: string, throughput?: number, p99Ms?: number, extra: Partial<Measured> = {}): Measured => ({
  id,
  scenario: id,
  server: 's',
  throughput,
  unit: 'req/s',
  p50Ms: p99Ms === undefined ? undefined : p99Ms / 2,
  p99Ms,
  ...extra,
});

describe('number formatting', () => {
  it('groups thousands, keeps milliseconds to about three digits, and marks missing values', () => {
    expect(formatInt(1234567.4)).toBe('1,234,567');
    expect(formatInt(999)).toBe('999');
    expect([formatMs(0.8412), formatMs(12.34), formatMs(145.6), formatMs(1500), formatMs(undefined)]).toEqual(
      ['0.84', '12.3', '146', '1,500', '–'],
    );
    expect(formatThroughput(23169.4, 'req/s')).toBe('23,169 req/s');
    expect(formatThroughput(88.42, 'images/s')).toBe('88.4 images/s');
    expect(formatThroughput(1232.2, 'ms')).toBe('1,232 ms');
    expect(formatThroughput(undefined, 'req/s')).toBe('–');
    expect([formatFactor(4.567), formatFactor(12.34), formatPercent(0.6249)]).toEqual([
      '4.57×',
      '12.3×',
      '62 %',
    ]);
  });

  it('renders a padded Markdown table and escapes pipes', () => {
    const t = markdownTable(
      ['a', 'long header'],
      [
        ['x|y', '1'],
        ['z', '22'],
      ],
    );
    expect(t.split('\n')).toEqual([
      '| a    | long header |',
      '| ---- | ----------- |',
      '| x\\|y | 1           |',
      '| z    | 22          |',
    ]);
  });
});

describe('ratios', () => {
  it('divides only measured, positive figures', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(undefined, 4)).toBeUndefined();
    expect(ratio(10, 0)).toBeUndefined();
    expect(ratio(Number.NaN, 1)).toBeUndefined();
  });

  it('judges targets against rows of the same run, relative or absolute', () => {
    const rows = [row('ours', 20_000, 4), row('peer', 4_000, 10), row('blob', 150), row('cold', 1200)];
    const targets: Comparison[] = [
      { id: 'ours', baseline: 'peer', measure: 'throughput', atLeast: 4, label: '4x' },
      { id: 'ours', baseline: 'peer', measure: 'p99', atMost: 0.5, label: 'p99' },
      { id: 'blob', measure: 'throughput', atLeast: 200, label: 'blob' },
      { id: 'cold', measure: 'throughput', atMost: 1500, label: 'cold' },
      { id: 'ours', baseline: 'absent', measure: 'throughput', atLeast: 1, label: 'skipped peer' },
    ];
    expect(compare(rows, targets).map((r) => [r.ratio, r.met])).toEqual([
      [5, true],
      [0.4, true],
      [150, false],
      [1200, true],
      [undefined, undefined],
    ]);
  });
});

describe('table', () => {
  it('shows each comparison whose rows were both measured', () => {
    const ours = row('ours', 18_000, 5, {
      against: [
        { id: 'peer', label: 'peer', as: 'factor' },
        { id: 'bare', label: 'bare Node', as: 'percent' },
        { id: 'missing', label: 'nobody', as: 'factor' },
      ],
    });
    const byId = new Map([ours, row('peer', 4_000, 10), row('bare', 24_000, 3)].map((r) => [r.id, r]));
    expect(comparedText(ours, byId)).toBe('4.50× peer (p99 0.50×); 75 % of bare Node');
  });

  it('renders one line per row under the header', () => {
    const lines = renderTable([
      row('a', 1000, 2),
      row('b', undefined, undefined, { note: 'not measured: no peer' }),
    ]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain(TABLE_HEADER[0]);
    expect(lines[3]).toContain('not measured: no peer');
  });
});

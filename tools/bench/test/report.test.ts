import { describe, expect, it } from 'vitest';
import { parseArgs, reportPath } from '../src/args.js';
import { describeOutcomes, parseCacheCounts } from '../src/scenarios/cache-outcomes.js';
import { BEGIN, END, mergeReport, renderTargets } from '../src/report.js';

describe('report file', () => {
  it('replaces only the generated block of an existing report', () => {
    const existing = `# Benchmarks\n\nintro\n\n${BEGIN}\nold table\n${END}\n\n## Analysis\nhand-written\n`;
    const merged = mergeReport(existing, `${BEGIN}\nnew table\n${END}`, 'preamble');
    expect(merged).toBe(
      `# Benchmarks\n\nintro\n\n${BEGIN}\nnew table\n${END}\n\n## Analysis\nhand-written\n`,
    );
    expect(mergeReport(undefined, 'block', '# Title')).toBe('# Title\n\nblock\n');
  });

  it('states every target as met, missed or not measured', () => {
    const text = renderTargets([
      {
        comparison: { id: 'a', baseline: 'b', measure: 'throughput', atLeast: 4, label: 'A ≥ 4× B' },
        ratio: 4.5,
        met: true,
      },
      {
        comparison: { id: 'a', baseline: 'c', measure: 'throughput', atLeast: 0.6, label: 'A ≥ 60 % of C' },
        ratio: 0.41,
        met: false,
      },
      {
        comparison: { id: 'x', measure: 'throughput', atMost: 1500, label: 'cold start' },
        ratio: 1232.4,
        met: true,
      },
      {
        comparison: { id: 'm', measure: 'throughput', atMost: 400, unit: 'MiB', label: 'idle' },
        ratio: 1234.4,
        met: false,
      },
      {
        comparison: { id: 'y', measure: 'throughput', atLeast: 200, label: 'blob' },
        ratio: undefined,
        met: undefined,
      },
    ]);
    expect(text.split('\n')).toEqual([
      '- A ≥ 4× B: 4.50× — met',
      '- A ≥ 60 % of C: 41 % — **missed**',
      '- cold start: 1,232 ms — met',
      '- idle: 1,234 MiB — **missed**',
      '- blob: not measured — –',
    ]);
  });
});

describe('arguments', () => {
  it('parses the flags and picks where the report goes', () => {
    expect(parseArgs([])).toMatchObject({ quick: false, load: undefined });
    expect(parseArgs(['--quick', '--load', 'autocannon', '--no-peer'])).toMatchObject({
      quick: true,
      load: 'autocannon',
      noPeer: true,
    });
    expect(() => parseArgs(['--load', 'ab'])).toThrow(/wrk or autocannon/);
    expect(() => parseArgs(['--out'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument/);
    expect(reportPath(parseArgs([]), 'docs/b.md')).toBe('docs/b.md');
    expect(reportPath(parseArgs(['--quick']), 'docs/b.md')).toBeUndefined();
    expect(parseArgs(['--only', 'packaged,ocr']).only).toEqual(['packaged', 'ocr']);
    expect(reportPath(parseArgs(['--only', 'packaged']), 'docs/b.md')).toBeUndefined();
    expect(() => parseArgs(['--only', 'packaged,nope'])).toThrow(/not nope/);
    expect(reportPath(parseArgs(['--quick', '--out', 'x.md']), 'docs/b.md')).toBe('x.md');
    expect(reportPath(parseArgs(['--no-write']), 'docs/b.md')).toBeUndefined();
  });
});

describe('x-cache outcomes from /metrics', () => {
  it('sums the counter by cache value and describes the difference between two readings', () => {
    const text = [
      '# TYPE modelfn_invocation_items_total counter',
      'modelfn_invocation_items_total{trigger="http",function="score",model="mnist",cache="hit"} 10',
      'modelfn_invocation_items_total{trigger="http",function="v2-infer",model="mnist",cache="hit"} 5',
      'modelfn_invocation_items_total{trigger="http",function="score",model="mnist",cache="miss"} 3',
      'modelfn_invocation_items_total{trigger="http",function="score",model="echo",cache="none"} 4',
      'modelfn_invocation_items_total{trigger="blob",function="scoreBlob",model="mnist",cache="hit"} 7',
      'modelfn_invocations_total{trigger="http",function="score",outcome="ok"} 99',
    ].join('\n');
    const before = parseCacheCounts(text);
    expect(before).toEqual({ hit: 15, miss: 3 });
    expect(describeOutcomes(before, { hit: 1015, miss: 3 })).toBe('x-cache: 100 % hit');
    expect(describeOutcomes(before, { hit: 16, miss: 1002 })).toBe('x-cache: >99.5 % miss, <0.5 % hit');
    expect(describeOutcomes(before, before)).toBe('x-cache: no scoring responses counted');
  });
});

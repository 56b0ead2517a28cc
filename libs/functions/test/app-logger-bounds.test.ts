import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAppLogger } from '../src/index.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe('app logger bounds', () => {
  it('writes a bounded line for an error and a message that quote a megabyte of input', () => {
    const { lines, stream } = capture();
    const logger = createAppLogger('bounds', 'info', stream);
    const huge = '['.repeat(1_000_000);
    const err = new Error(`bad shape ${huge}`, { cause: new Error(`script said ${huge}`) });
    logger.error({ err }, `request failed: ${huge}`);
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBeLessThan(30_000);
    const line = JSON.parse(lines[0]) as { msg: string; err: { message: string } };
    expect(line.msg).toMatch(/^request failed: \[\[\[/);
    expect(line.msg).toMatch(/more characters left out\)$/);
    expect(line.err.message).toMatch(/^bad shape \[\[\[/);
  });

  it('still scrubs a secret that the cut would have split', () => {
    const { lines, stream } = capture();
    const logger = createAppLogger('bounds', 'info', stream);
    logger.info(`${'x'.repeat(1_925)}redis://default:hunter2hunter2@cache:6380 ${'y'.repeat(10_000)}`);
    expect(lines[0]).not.toContain('hunter2');
  });
});

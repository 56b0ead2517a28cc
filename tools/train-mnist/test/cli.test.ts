// End-to-end: the CLI as users run it, on a short schedule, writing into a scratch model repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelConfig } from '../src/model-config.js';
import { REPO_ROOT } from '../src/paths.js';
import { sha256Hex } from '../src/pipeline.js';

const CLI = join(REPO_ROOT, 'tools', 'train-mnist', 'src', 'cli.ts');
const runCli = (args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

describe('train-mnist CLI', () => {
  it('trains, writes the model, prints its sha256 and creates config.json', () => {
    const repo = mkdtempSync(join(tmpdir(), 'models-'));
    const out = join(repo, 'mnist', '1', 'model.onnx');
    const stdout = runCli(['--out', out, '--seed', '5', '--epochs', '1']);
    expect(stdout).toMatch(/epoch 1\/1 {2}loss \d\.\d{4}/);
    expect(stdout).toMatch(/test accuracy \d+\.\d\d%/);
    const sha = sha256Hex(readFileSync(out));
    expect(stdout).toContain(`sha256 ${sha}`);
    const config = readModelConfig(join(repo, 'mnist', 'config.json'));
    expect(config.versions['1'].sha256).toBe(sha);
    expect(config.versions['1'].trained_by).toBe('npm run train -- --seed 5 --epochs 1');
    expect(config.versions['1'].test_accuracy).toBeGreaterThan(0.95);
  }, 120_000);

  it('leaves config alone for paths outside the <model>/<version> layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loose-'));
    const stdout = runCli(['--out', join(dir, 'model.onnx'), '--epochs', '1']);
    expect(stdout).toMatch(/not updating config\.json/);
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  }, 120_000);

  it('fails with a usage message on bad flags', () => {
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', CLI, '--epochs', 'x'], {
        cwd: REPO_ROOT,
        stdio: 'pipe',
      });
    } catch (err) {
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(stderr).toMatch(/train-mnist: --epochs needs a number, got "x"/);
  });
});

// The node_modules link beside a blob repository's copy (issue 27): the app's packages, followed when the
// app moves, never replacing a real folder.
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appNodeModules, linkAppPackages } from '../../src/model/app-packages.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('linkAppPackages', () => {
  it('links the node_modules that holds onnxruntime-node, and follows a moved app', async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelfn-link-'));
    const app = appNodeModules();
    expect(app && existsSync(join(app, 'onnxruntime-node', 'package.json'))).toBe(true);
    await linkAppPackages(dir);
    expect(readlinkSync(join(dir, 'node_modules'))).toBe(app);
    await linkAppPackages(dir); // already there: kept
    const moved = join(dir, 'elsewhere');
    mkdirSync(moved);
    await linkAppPackages(dir, moved);
    expect(readlinkSync(join(dir, 'node_modules'))).toBe(moved);
  });

  it('leaves a real node_modules folder alone', async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelfn-link-'));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', 'kept'), '');
    await linkAppPackages(dir);
    expect(existsSync(join(dir, 'node_modules', 'kept'))).toBe(true);
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { majorOf, node22, NODE_MAJOR } from './support/node22.js';

const versionOf = async (node: string) => (await promisify(execFile)(node, ['--version'])).stdout.trim();

// The package tests run each package with this Node; CI already runs on Node 22, so the path taken on an
// older Node (a developer's machine) is exercised here by claiming one.
describe('the Node the packages run on', () => {
  it('is this process when it runs Node 22 or later', async () => {
    expect(await node22({ version: 'v22.12.0', execPath: '/opt/node22/bin/node' })).toBe(
      '/opt/node22/bin/node',
    );
  });

  it('is the Node 22 of tools/node22.sh when this process runs an older one', async () => {
    const node = await node22({ version: 'v20.19.5', execPath: '/usr/bin/node-20' });
    expect(node).not.toBe('/usr/bin/node-20');
    expect(majorOf(await versionOf(node))).toBeGreaterThanOrEqual(NODE_MAJOR);
  }, 300_000);
});

// The blob trigger's two sources under `npm start`: Event Grid (the default), where the printed webhook
// answers Event Grid and the local announcer turns uploads and `npm run drop` into events; and
// BLOB_TRIGGER_SOURCE=LogsAndContainerScan, where the container is polled and there is no webhook at all.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { upload, waitForBlob } from './support/clients.js';
import { png } from './support/digits.js';
import { ROOT, startSystem, type System } from './support/system.js';

const systems: System[] = [];
afterAll(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

async function start(env: Record<string, string> = {}): Promise<System> {
  const sys = await startSystem(undefined, env);
  systems.push(sys);
  return sys;
}

/** `npm run drop -- <file>` against the system's storage, as a developer runs it. */
async function drop(sys: System, file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'tools/dev/src/drop.ts', file],
    { cwd: ROOT, env: { ...process.env, AzureWebJobsStorage: sys.storage }, timeout: 60_000 },
  );
  return stdout;
}

describe('blob trigger source under npm start', () => {
  it('Event Grid by default: the printed webhook answers the handshake, and drops arrive as announced events', async () => {
    const sys = await start();
    const url =
      /(http:\/\/127\.0\.0\.1:\d+\/runtime\/webhooks\/blobs)\?functionName=Host\.Functions\.scoreBlob/.exec(
        sys.output(),
      )?.[1];
    expect(url, sys.output()).toBeDefined();
    expect(sys.output()).toContain('announced to it every');
    const res = await fetch(`${url}?functionName=Host.Functions.scoreBlob&code=anything`, {
      method: 'POST',
      headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' },
      body: JSON.stringify([
        { eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'e2e' } },
      ]),
    });
    expect(await res.json()).toEqual({ validationResponse: 'e2e' });

    const out = await drop(sys, join(ROOT, 'apps/local/samples/digit-7.png'));
    expect(out).toContain('predictions/digit-7.png.json');
    expect(out).toMatch(/"label": 7/);
  });

  it('BLOB_TRIGGER_SOURCE=LogsAndContainerScan: polled, no webhook and no announcer', async () => {
    const sys = await start({ BLOB_TRIGGER_SOURCE: 'LogsAndContainerScan' });
    expect(sys.output()).not.toContain('/runtime/webhooks/blobs');
    expect(sys.output()).not.toContain('announced');
    await upload(sys.storage, 'polled-3.png', await png(3));
    expect(await waitForBlob(sys.storage, 'predictions', 'polled-3.png.json')).toMatchObject({
      blob: 'images/polled-3.png',
      model: 'mnist',
    });
  });
});

// A job's answer expires: the status URL answers 404 JOB_NOT_FOUND once HTTP_JOB_RETENTION_HOURS have passed
// since the answer was written (or, for a job never answered, since it was accepted), on real Azurite,
// which runs no lifecycle rule. The clock is injected: nothing sleeps.
import { randomUUID } from 'node:crypto';
import { HttpRequest } from '@azure/functions';
import { startAzurite, type RunningAzurite } from '@modelfn/local-host';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEnvelope } from '../src/jobs/job-envelope.js';
import { jobSettings } from '../src/jobs/job-settings.js';
import { jobStatusHandler } from '../src/jobs/job-status.js';
import { jobStoreFromEnv, type JobStore } from '../src/jobs/job-store.js';
import { storedAnswer } from '../src/jobs/stored-answer.js';
import type { RequestScope } from '../src/request-scope.js';

const HOUR = 3_600_000;
let azurite: RunningAzurite;
let store: JobStore;

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  store = jobStoreFromEnv({ AzureWebJobsStorage: azurite.connectionString })!;
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

const envelope: JobEnvelope = {
  request: { trigger: 'http', model: 'mnist', contentType: 'application/json' },
  render: { binary: false, options: {} },
  accepted: new Date().toISOString(),
};

const scope = { requestId: 'r', log: pino({ level: 'silent' }) } as RequestScope;

async function status(id: string, now: number, retentionHours = 24) {
  const handler = jobStatusHandler(() => store, { retentionHours, now: () => now });
  const url = `http://127.0.0.1/score/jobs/${id}`;
  return handler(new HttpRequest({ method: 'GET', url, params: { id } }), scope);
}

describe('job retention (HTTP_JOB_RETENTION_HOURS)', () => {
  it('defaults to 24 hours and refuses what is not a whole number of hours from 1 to 8760', () => {
    expect(jobSettings({}).retentionHours).toBe(24);
    expect(jobSettings({ HTTP_JOB_RETENTION_HOURS: '2' }).retentionHours).toBe(2);
    for (const bad of ['0', '1.5', 'a day', '8761'])
      expect(() => jobSettings({ HTTP_JOB_RETENTION_HOURS: bad })).toThrow(/HTTP_JOB_RETENTION_HOURS/);
  });

  it('answers a job until its answer is older than the retention, then 404 JOB_NOT_FOUND', async () => {
    const id = randomUUID();
    await store.submit(id, envelope, Buffer.from('{"data":[[0]]}'));
    await store.finish(
      id,
      storedAnswer({ status: 200, jsonBody: { ok: 1 }, headers: { 'content-type': 'application/json' } }),
    );
    const written = (await store.answer(id))!.writtenAt!.getTime();
    const kept = await status(id, written + 23 * HOUR);
    expect(kept.status).toBe(200);
    expect(JSON.parse(String(kept.body))).toEqual({ ok: 1 });
    const gone = await status(id, written + 25 * HOUR);
    expect(gone.status).toBe(404);
    expect(gone.jsonBody).toMatchObject({
      code: 'JOB_NOT_FOUND',
      error: expect.stringContaining('HTTP_JOB_RETENTION_HOURS'),
    });
    // The retention is the setting's: 2 h.
    expect((await status(id, written + 3 * HOUR, 2)).status).toBe(404);
    expect((await status(id, written + 1 * HOUR, 2)).status).toBe(200);
  });

  it('says running within the retention of its acceptance, and 404 past it for a job never answered', async () => {
    const id = randomUUID();
    await store.submit(id, envelope, Buffer.from('{"data":[[0]]}'));
    const accepted = (await store.acceptedAt(id))!.getTime();
    const running = await status(id, accepted + HOUR);
    expect(running.status).toBe(202);
    expect(running.jsonBody).toEqual({
      id,
      statusUri: `http://127.0.0.1/score/jobs/${id}`,
      status: 'running',
    });
    const gone = await status(id, accepted + 25 * HOUR);
    expect(gone.status).toBe(404);
    expect(gone.jsonBody).toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('answers 404 for an id never used, as for an expired one', async () => {
    const res = await status(randomUUID(), Date.now());
    expect(res.status).toBe(404);
    expect(res.jsonBody).toMatchObject({ code: 'JOB_NOT_FOUND' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, repositoryWithBrokenModel, type AppUnderTest } from './support/app-host.js';
import { call, postJson, v2Request, type ErrorBody } from './support/http.js';
import { row } from './support/mnist.js';

describe('a model that is not ready (its version holds only a model.pkl)', () => {
  let repo: Awaited<ReturnType<typeof repositoryWithBrokenModel>>;
  let app: AppUnderTest;
  beforeAll(async () => {
    repo = await repositoryWithBrokenModel();
    app = await startApp({ modelRepository: repo.dir, defaultModel: 'mnist' });
  });
  afterAll(async () => {
    await app.close();
    await repo.remove();
  });

  it('503 MODEL_NOT_READY for /score and v2 infer, with the reason', async () => {
    const score = await postJson<ErrorBody>(
      `${app.url}/score`,
      { data: [[1, 2, 3, 4]] },
      { 'x-model': 'broken' },
    );
    expect(score.status).toBe(503);
    expect(score.body.code).toBe('MODEL_NOT_READY');
    expect(score.body.error).toContain('model.pkl');
    const infer = await postJson<ErrorBody>(`${app.url}/v2/models/broken/infer`, v2Request([row(0)]));
    expect(infer.status).toBe(503);
    expect(infer.body.code).toBe('MODEL_NOT_READY');
  });

  it('503 from its ready endpoints; metadata is still readable', async () => {
    expect((await call(`${app.url}/v2/models/broken/ready`)).status).toBe(503);
    expect((await call(`${app.url}/v2/models/broken/versions/1/ready`)).status).toBe(503);
    expect((await call(`${app.url}/v2/models/broken`)).status).toBe(200);
  });

  it('the server stays ready while another model is; the index shows the reason', async () => {
    expect((await call(`${app.url}/v2/health/ready`)).status).toBe(200);
    const index = await call<{ name: string; state: string; reason?: string }[]>(
      `${app.url}/v2/repository/index`,
      { method: 'POST' },
    );
    expect(index.body.find((m) => m.name === 'broken')).toMatchObject({
      state: 'UNAVAILABLE',
      reason: expect.stringContaining('model.pkl'),
    });
  });
});

describe('a repository with no ready model', () => {
  let repo: Awaited<ReturnType<typeof repositoryWithBrokenModel>>;
  let app: AppUnderTest;
  beforeAll(async () => {
    repo = await repositoryWithBrokenModel(false);
    app = await startApp({ modelRepository: repo.dir });
  });
  afterAll(async () => {
    await app.close();
    await repo.remove();
  });

  it('503 from /v2/health/ready and from /score on the default model', async () => {
    const ready = await call<{ ready: boolean; code: string }>(`${app.url}/v2/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, code: 'MODEL_NOT_READY' });
    expect((await call(`${app.url}/v2/health/live`)).status).toBe(200);
    const score = await postJson<ErrorBody>(`${app.url}/score`, { data: [[1, 2, 3, 4]] });
    expect(score.status).toBe(503);
  });
});

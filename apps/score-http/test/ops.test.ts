import { ScoringError, type ErrorCode } from '@modelfn/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postJson } from './support/http.js';
import { row } from './support/mnist.js';

let app: AppUnderTest;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('GET /swagger.json', () => {
  it('is an OpenAPI document generated from the model signature', async () => {
    const r = await call<{ openapi: string; paths: Record<string, unknown>; info: { description: string } }>(
      `${app.url}/swagger.json`,
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.body.openapi).toMatch(/^3\./);
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/score', '/v2/models/mnist/infer']));
    expect(r.body.info.description).toContain('mnist');
  });
});

describe('GET /swagger.json per model', () => {
  it('has an infer path for mnist naming its input and output, the config path and /score?top', async () => {
    const r = await call<{ paths: Record<string, unknown> }>(`${app.url}/swagger.json`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining(['/score', '/v2/models/mnist/infer', '/v2/models/{model}/config']),
    );
    const infer = r.body.paths['/v2/models/mnist/infer'] as {
      post: { requestBody: { content: { 'application/json': { schema: unknown } } } };
    };
    const schema = JSON.stringify(infer.post.requestBody.content['application/json'].schema);
    expect(schema).toContain('"probabilities"');
    expect(schema).toContain('"input"');
    const score = r.body.paths['/score'] as { post: { parameters: { name: string }[] } };
    expect(score.post.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['top', 'probabilities', 'outputs']),
    );
  });
});

describe('GET /swagger.json: the model repository routes (issue 27)', () => {
  type Operation = { summary: string; responses: Record<string, { description: string }> };
  it('documents the index, load, unload and the Event Grid webhook with their error codes', async () => {
    const { body } = await call<{ paths: Record<string, Record<string, Operation>> }>(
      `${app.url}/swagger.json`,
    );
    const { paths } = body;
    expect(Object.keys(paths['/v2/repository/index'])).toEqual(['post']);
    for (const action of ['load', 'unload']) {
      const op = paths[`/v2/repository/models/{model}/${action}`].post;
      expect(op.summary).toMatch(/MODEL_CONTROL_MODE=explicit.*master key/);
      expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '404', '413', '503']);
      expect(op.responses['400'].description).toMatch(
        /MODEL_CONTROL_DISABLED.*MODEL_LOAD_FAILED.*INVALID_INPUT/,
      );
      expect(op.responses['404'].description).toMatch(/^MODEL_NOT_FOUND/);
    }
    const events = paths['/repository/events'];
    expect(Object.keys(events).sort()).toEqual(['options', 'post']);
    expect(Object.keys(events.post.responses).sort()).toEqual(['200', '202', '400', '401', '413']);
    expect(events.post.responses['400'].description).toMatch(
      /MODEL_CONTROL_DISABLED.*INVALID_INPUT.*INVALID_JSON/,
    );
  });

  it('names only codes the routes answer with, at the status they answer', async () => {
    // Every code a description names is one of the scoring errors, at the status that error has.
    const { body } = await call<{ paths: Record<string, Record<string, Operation>> }>(
      `${app.url}/swagger.json`,
    );
    const routes = [
      '/v2/repository/models/{model}/load',
      '/v2/repository/models/{model}/unload',
      '/repository/events',
    ];
    const named = routes.flatMap((r) =>
      Object.values(body.paths[r]).flatMap((op) =>
        Object.entries(op.responses).flatMap(([status, a]) =>
          [...a.description.matchAll(/\b([A-Z][A-Z_]{3,})\b/g)].map((m) => [m[1], Number(status)] as const),
        ),
      ),
    );
    const notCodes = new Set([
      'JSON',
      'MODEL_CONTROL_MODE',
      'MAX_REQUEST_BYTES',
      'MODEL_REPOSITORY',
      'MODELS',
    ]);
    const codes = named.filter(([c]) => !notCodes.has(c));
    expect(codes.length).toBeGreaterThan(5);
    for (const [code, status] of codes)
      expect([code, new ScoringError(code as ErrorCode, '').status]).toEqual([code, status]);
  });
});

describe('GET /swagger.json: requests answered later (202 and a status URL)', () => {
  type Response = {
    description: string;
    headers?: Record<string, unknown>;
    content?: Record<string, unknown>;
  };
  type Doc = {
    paths: Record<
      string,
      Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, Response> }>
    >;
    components: {
      schemas: Record<string, { required?: string[]; properties: Record<string, { enum?: string[] }> }>;
    };
  };
  const ref = (r: Response) => JSON.stringify(r.content?.['application/json']);

  it('takes Prefer: respond-async on /score and answers 202 with Location, Retry-After and {id, statusUri, status}', async () => {
    const { body } = await call<Doc>(`${app.url}/swagger.json`);
    const score = body.paths['/score'].post;
    expect(score.parameters).toContainEqual(expect.objectContaining({ name: 'prefer', in: 'header' }));
    const accepted = score.responses['202'];
    expect(accepted.description).toContain('respond-async');
    expect(Object.keys(accepted.headers ?? {})).toEqual(['Location', 'Retry-After', 'Preference-Applied']);
    expect(ref(accepted)).toContain('#/components/schemas/JobAccepted');
    const job = body.components.schemas.JobAccepted;
    expect(job.required).toEqual(['id', 'statusUri', 'status']);
    expect(job.properties.status.enum).toEqual(['running']);
  });

  it('describes GET /score/jobs/{id}: 202 while running, 200 as /score answers, 404 JOB_NOT_FOUND, the failure', async () => {
    const { body } = await call<Doc>(`${app.url}/swagger.json`);
    const status = body.paths['/score/jobs/{id}'].get;
    expect(status.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path' }));
    expect(Object.keys(status.responses).sort()).toEqual(['200', '202', '404', 'default']);
    expect(status.responses['200']).toEqual(body.paths['/score'].post.responses['200']);
    expect(Object.keys(status.responses['202'].headers ?? {})).toEqual(['Location', 'Retry-After']);
    expect(ref(status.responses['202'])).toContain('#/components/schemas/JobAccepted');
    expect(status.responses['404'].description).toMatch(/JOB_NOT_FOUND.*HTTP_JOB_RETENTION_HOURS/);
    expect(ref(status.responses['404'])).toContain('#/components/schemas/Error');
    expect(ref(status.responses.default)).toContain('#/components/schemas/Error');
  });
});

describe('GET /metrics', () => {
  it('exposes the invocation series: requests and latency by outcome, responses by model, version and x-cache', async () => {
    const body = { data: [row(11)] };
    await postJson(`${app.url}/score`, body);
    await postJson(`${app.url}/score`, body);
    await postJson(`${app.url}/score`, { data: [[1]] });
    const r = await call<string>(`${app.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = r.body;
    expect(text).toMatch(/modelfn_invocations_total\{trigger="http",function="score",outcome="ok"\} 2/);
    expect(text).toMatch(/modelfn_invocations_total\{trigger="http",function="score",outcome="rejected"\} 1/);
    expect(text).toMatch(
      /modelfn_invocation_duration_seconds_bucket\{le="[^"]+",trigger="http",function="score",outcome="ok"\} 2/,
    );
    expect(text).toMatch(
      /modelfn_invocation_items_total\{trigger="http",function="score",model="mnist",version="1",cache="miss"\} 1/,
    );
    expect(text).toMatch(
      /modelfn_invocation_items_total\{trigger="http",function="score",model="mnist",version="1",cache="hit"\} 1/,
    );
    // Counted once: no second, HTTP-only set of series.
    expect(text).not.toMatch(/^modelfn_http_/m);
    // The scoring core's own metrics share the registry.
    expect(text).toContain('modelfn_inference_seconds');
  });

  it('never makes request text a label: an unknown model is a rejected invocation with no model', async () => {
    await postJson(`${app.url}/score`, { data: [row(0)] }, { 'x-model': 'made-up-name' });
    const text = (await call<string>(`${app.url}/metrics`)).body;
    expect(text).not.toContain('made-up-name');
    expect(text).toMatch(/modelfn_invocations_total\{trigger="http",function="score",outcome="rejected"\}/);
  });
});

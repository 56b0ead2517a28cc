import { startHttpHost } from '@modelfn/local-host';
import { authLevelFromEnv, createHttpFunctions, httpFunctions } from '../src/functions.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { call, type ErrorBody } from './support/http.js';

describe('function definitions', () => {
  it('declares every endpoint once, each with one method and a route', () => {
    const routes = httpFunctions.map((f) => `${f.options.methods?.join(',')} ${f.options.route}`);
    expect(routes).toEqual([
      'POST score',
      'GET score/jobs/{id}',
      'GET v2',
      'GET v2/health/live',
      'GET v2/health/ready',
      'GET v2/models/{model}',
      'GET v2/models/{model}/versions/{version}',
      'GET v2/models/{model}/config',
      'GET v2/models/{model}/versions/{version}/config',
      'GET v2/models/{model}/ready',
      'GET v2/models/{model}/versions/{version}/ready',
      'POST v2/models/{model}/infer',
      'POST v2/models/{model}/versions/{version}/infer',
      'POST v2/repository/index',
      'POST v2/repository/models/{model}/load',
      'POST v2/repository/models/{model}/unload',
      'POST repository/events',
      'OPTIONS repository/events',
      'GET swagger.json',
      'GET metrics',
      'GET {page:maxlength(0)?}',
      'GET docs',
      'GET static/{*path}',
    ]);
    expect(new Set(httpFunctions.map((f) => f.name)).size).toBe(httpFunctions.length);
  });

  it('takes the auth level from HTTP_AUTH_LEVEL, anonymous by default', () => {
    expect(authLevelFromEnv({})).toBe('anonymous');
    expect(authLevelFromEnv({ HTTP_AUTH_LEVEL: 'function' })).toBe('function');
    expect(authLevelFromEnv({ HTTP_AUTH_LEVEL: 'admin' })).toBe('admin');
    expect(() => authLevelFromEnv({ HTTP_AUTH_LEVEL: 'everyone' })).toThrow(/HTTP_AUTH_LEVEL/);
  });

  it('keeps liveness, readiness and the pages anonymous under any level; every other function takes it', () => {
    // Probes carry no function key; the pages are public files. Scoring, metadata, swagger and metrics do not.
    const alwaysAnonymous = ['v2-health-live', 'v2-health-ready', 'playground', 'docs', 'static'];
    const unused = () => Promise.reject(new Error('unused'));
    for (const level of ['function', 'admin'] as const) {
      const fns = createHttpFunctions({ authLevel: level, scorer: unused });
      const levels = Object.fromEntries(fns.map((f) => [f.name, f.options.authLevel]));
      for (const name of alwaysAnonymous) expect(levels[name], name).toBe('anonymous');
      const keyed = fns.filter((f) => !alwaysAnonymous.includes(f.name));
      expect(keyed.map((f) => f.name)).toEqual(
        expect.arrayContaining([
          'score',
          'v2-infer',
          'v2-infer-version',
          'v2-model-ready',
          'swagger',
          'metrics',
        ]),
      );
      // Loading and unloading models takes the master key (admin) wherever keys are asked for.
      const control = ['v2-repository-load', 'v2-repository-unload'];
      for (const f of keyed)
        expect(f.options.authLevel, f.name).toBe(control.includes(f.name) ? 'admin' : level);
      expect(keyed).toHaveLength(fns.length - alwaysAnonymous.length);
    }
    // The routes the probes call are the ones marked anonymous.
    const probes = createHttpFunctions({ authLevel: 'function', scorer: unused }).filter((f) =>
      ['v2/health/live', 'v2/health/ready'].includes(f.options.route ?? ''),
    );
    expect(probes.map((f) => f.options.authLevel)).toEqual(['anonymous', 'anonymous']);
    // Unset (local development), everything is anonymous.
    const local = createHttpFunctions({ authLevel: authLevelFromEnv({}), scorer: unused });
    expect(new Set(local.map((f) => f.options.authLevel))).toEqual(new Set(['anonymous']));
  });

  it('answers 500 INTERNAL_ERROR without internals when something unexpected fails', async () => {
    const host = await startHttpHost({
      functions: createHttpFunctions({
        scorer: () => Promise.reject(new Error('redis://user:secret@cache:6380 exploded')),
      }),
      port: 0,
      routePrefix: '',
      logger: pino({ level: 'silent' }),
    });
    try {
      const r = await call<ErrorBody>(`${host.url}/v2/health/ready`, {
        headers: { 'x-request-id': 'req-500' },
      });
      expect(r.status).toBe(500);
      expect(r.body.code).toBe('INTERNAL_ERROR');
      expect(r.body.error).toContain('req-500');
      expect(r.body.error).not.toContain('secret');
    } finally {
      await host.close();
    }
  });
});

import { Agent, request } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpFunctionDefinition } from '@modelfn/functions';
import { startHttpHost, type RunningHttpHost } from '../src/index.js';

const silent = pino({ level: 'silent' });
let hold: Promise<void> = Promise.resolve();

const functions: HttpFunctionDefinition[] = [
  { name: 'ok', options: { methods: ['GET'], route: 'ok', handler: async () => ({ body: 'ok' }) } },
  {
    name: 'held',
    options: {
      methods: ['GET'],
      route: 'held',
      handler: async () => {
        await hold;
        return { body: 'late' };
      },
    },
  },
];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((ok, fail) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', fail)
      .end();
  });
}

let host: RunningHttpHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('connection cap (issue 30 item 6)', () => {
  it('answers a connection past the cap with 503 TOO_MANY_CONNECTIONS and Retry-After, and serves it once one closes', async () => {
    host = await startHttpHost({ functions, port: 0, routePrefix: '', logger: silent, maxConnections: 2 });
    const agents = [0, 1, 2].map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      // Two clients hold a kept-alive connection each: the cap is reached.
      expect((await get(`${host.url}/ok`, agents[0])).status).toBe(200);
      expect((await get(`${host.url}/ok`, agents[1])).status).toBe(200);
      const refused = await get(`${host.url}/ok`, agents[2]);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.headers.connection).toBe('close');
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
      expect(JSON.parse(refused.body).error).toContain('LOCAL_HOST_MAX_CONNECTIONS');
      // One client leaves: a new connection is served (once the host has seen the close).
      agents[0].destroy();
      let answer = await get(`${host.url}/ok`);
      for (let i = 0; i < 200 && answer.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 10));
        answer = await get(`${host.url}/ok`);
      }
      expect(answer).toMatchObject({ status: 200, body: 'ok' });
    } finally {
      for (const a of agents) a.destroy();
    }
  });

  it('has no cap unless asked', async () => {
    host = await startHttpHost({ functions, port: 0, routePrefix: '', logger: silent });
    const agents = Array.from({ length: 20 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      const answers = await Promise.all(agents.map((a) => get(`${host!.url}/ok`, a)));
      expect(answers.map((a) => a.status)).toEqual(agents.map(() => 200));
    } finally {
      for (const a of agents) a.destroy();
    }
  });
});

describe('close() with a request that does not finish (issue 30 item 3)', () => {
  it('answers it 503 SHUTTING_DOWN with Retry-After once the grace period is over, instead of cutting it', async () => {
    let release = () => {};
    hold = new Promise((r) => (release = r));
    host = await startHttpHost({ functions, port: 0, routePrefix: '', logger: silent, closeGraceMs: 50 });
    try {
      const answer = get(`${host.url}/held`);
      // The request is in its handler once a second request on another connection has been answered after it.
      await new Promise((r) => setTimeout(r, 0));
      await get(`${host.url}/ok`);
      await host.close();
      host = undefined;
      const a = await answer;
      expect(a.status).toBe(503);
      expect(a.headers['retry-after']).toBe('1');
      expect(JSON.parse(a.body)).toMatchObject({ code: 'SHUTTING_DOWN' });
    } finally {
      release();
    }
  });
});

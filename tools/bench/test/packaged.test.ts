import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree, parseStatus, processTree, treeRss } from '../src/proc-rss.js';
import { startChildServer, type ChildServer } from '../src/servers/child-server.js';
import { PACKAGED_SERVER_SCRIPT, templateNodeArguments } from '../src/servers/packaged.js';
import { routeOf, routePrefixOf } from '../src/servers/packaged-routes.mjs';

const ROOT = resolve(import.meta.dirname, '../../..');

const route = (name: string, trigger: { route?: string; methods?: string[] }, prefix = '') =>
  routeOf(name, trigger, prefix);

describe('the host routing the packaged server does', () => {
  it('matches literals, parameters, an optional last one and a catch-all, under the prefix', () => {
    const infer = route('v2-infer', { route: 'v2/models/{model}/infer', methods: ['POST'] });
    expect(infer.match('POST', '/v2/models/mnist/infer')).toEqual({ model: 'mnist' });
    expect(infer.match('GET', '/v2/models/mnist/infer')).toBeUndefined();
    expect(infer.match('POST', '/v2/models/mnist/infer/more')).toBeUndefined();
    expect(infer.match('POST', '/v2/models/infer')).toBeUndefined();
    const page = route('playground', { route: '{page:maxlength(0)?}', methods: ['GET'] });
    expect(page.match('GET', '/')).toEqual({});
    const assets = route('static', { route: 'static/{*path}' });
    expect(assets.match('GET', '/static/js/a%20b.js')).toEqual({ path: 'js/a b.js' });
    // No route: the function's name, under the prefix.
    const named = route('hello', {}, 'api');
    expect(named.match('PUT', '/api/hello')).toEqual({});
    expect(named.match('PUT', '/hello')).toBeUndefined();
    expect(route('a', { route: 'v2/health/ready' }).literals).toBe(3);
  });

  it("reads host.json's routePrefix, api when it sets none", () => {
    expect(routePrefixOf('{"extensions":{"http":{"routePrefix":""}}}')).toBe('');
    expect(routePrefixOf('{"extensions":{"http":{"routePrefix":"/x/"}}}')).toBe('x');
    expect(routePrefixOf('{"version":"2.0"}')).toBe('api');
  });
});

describe('the Node arguments of the packaged rows', () => {
  it("are the azd template's worker arguments, none when it sets none", () => {
    expect(templateNodeArguments(ROOT)).toEqual(['--heap-growing-percent=30']);
    const empty = mkdtempSync(join(tmpdir(), 'modelfn-bicep-'));
    try {
      mkdirSync(join(empty, 'infra'));
      writeFileSync(join(empty, 'infra/main.bicep'), "var sharedSettings = {\n  LOG_LEVEL: 'info'\n}\n");
      expect(templateNodeArguments(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('RSS from /proc', () => {
  it('reads VmRSS and VmHWM of a status text', () => {
    expect(parseStatus(7, 'Name:\tnode\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n')).toEqual({
      pid: 7,
      rssBytes: 1024 * 1024,
      hwmBytes: 2048 * 1024,
    });
    expect(parseStatus(7, 'Name:\tzombie\n')).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')('sums this process and its children', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(processTree(process.pid)).toContain(child.pid);
      const t = treeRss(process.pid);
      expect(t.processes.length).toBeGreaterThanOrEqual(2);
      expect(t.hwmBytes).toBeGreaterThanOrEqual(t.rssBytes);
      expect(t.rssBytes).toBe(t.processes.reduce((n, p) => n + p.rssBytes, 0));
      expect(describeTree(t.processes.slice(0, 1), 'rssBytes')).toBe('1 process');
      expect(describeTree(t.processes, 'rssBytes')).toMatch(/^sum of \d+ processes: \d+( \+ \d+)+ MiB$/);
    } finally {
      child.kill();
    }
  });
});

// A package made here with the real @azure/functions (the workspace's copy): the server must drive it as the
// Functions worker does (HttpRequest from the RPC data, hooks around the handler, the RPC response back).
describe('packaged-http.mjs on a package of the v4 programming model', () => {
  let dir: string;
  let server: ChildServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelfn-packaged-'));
    mkdirSync(join(dir, 'node_modules', '@azure'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/@azure/functions'), join(dir, 'node_modules/@azure/functions'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', main: 'dist/main.js' }));
    writeFileSync(join(dir, 'host.json'), JSON.stringify({ version: '2.0' }));
    writeFileSync(
      join(dir, 'dist/main.js'),
      `import { app } from '@azure/functions';
app.setup({ enableHttpStream: false });
app.hook.preInvocation((c) => { c.invocationContext.extraInputs.set('pre', c.invocationContext.functionName); });
app.hook.postInvocation((c) => { if (c.result?.headers) c.result.headers['x-post'] = String(c.error === undefined); });
app.http('echo', {
  methods: ['POST'],
  route: 'echo/{name}',
  authLevel: 'anonymous',
  handler: async (req, ctx) => ({
    status: 201,
    headers: { 'x-model': 'echo' },
    jsonBody: { name: req.params.name, q: req.query.get('q'), body: await req.text(), type: req.headers.get('content-type'), pre: ctx.extraInputs.get('pre') },
  }),
});
app.http('bytes', { methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'application/octet-stream' } }) });
app.http('fails', { methods: ['GET'], authLevel: 'anonymous', handler: async () => { throw new Error('boom'); } });
`,
    );
    server = await startChildServer(PACKAGED_SERVER_SCRIPT, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: '0' },
      plain: true,
      args: [dir],
    });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers through the handler with its params, query, body and headers, and runs the hooks around it', async () => {
    const res = await fetch(`${server.url}/api/echo/seven?q=1`, {
      method: 'POST',
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-model')).toBe('echo');
    expect(res.headers.get('x-post')).toBe('true');
    expect(await res.json()).toEqual({
      name: 'seven',
      q: '1',
      body: 'hello',
      type: 'text/plain',
      pre: 'echo',
    });
  });

  it('writes a byte body as it is, 404s an unknown route or method, 500s a handler that throws', async () => {
    const bytes = await fetch(`${server.url}/api/bytes`);
    expect(bytes.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3]);
    expect((await fetch(`${server.url}/api/nowhere`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/echo/x`)).status).toBe(404);
    const failed = await fetch(`${server.url}/api/fails`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ code: 'INVOCATION_FAILED', error: 'boom' });
  });
});

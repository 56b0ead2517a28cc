// Child process, plain Node (no tsx, no cluster): an unpacked Function app package (npm run package) served
// over HTTP the way the Functions Node worker runs it on Azure. `@azure/functions-core` is a stand-in for the
// worker (as tools/package/test/support/load-package.mjs), the package's `main` is imported from its folder,
// and each request goes through the package's own programming model as the worker drives it: its
// InvocationModel turns the host's RPC HTTP data into the app's HttpRequest, the registered preInvocation
// hooks run, the handler, the postInvocation hooks, then the model's RPC response is written back.
// Not here: the Functions host (a .NET process of its own on Azure) and the worker's gRPC channel.
// Usage: node packaged-http.mjs <package folder>; PORT (0: any). Prints one JSON ready line once listening
// (models may still be loading: /v2/health/ready says when they are all warm).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Module from 'node:module';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { pathToFileURL, URL } from 'node:url';
import { routeOf, routePrefixOf } from './packaged-routes.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node packaged-http.mjs <package folder>');

const functions = [];
const hooks = new Map();
let programmingModel;
const core = {
  registerFunction(metadata, callback) {
    functions.push({ metadata, callback });
    return { dispose() {} };
  },
  setProgrammingModel(model) {
    programmingModel = model;
  },
  getProgrammingModel: () => programmingModel,
  registerHook(type, callback) {
    const list = hooks.get(type) ?? [];
    list.push(callback);
    hooks.set(type, list);
    return { dispose: () => list.splice(list.indexOf(callback), 1) };
  },
  log() {},
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === '@azure/functions-core' ? core : load.call(this, request, ...rest);
};

const { main } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
await import(pathToFileURL(join(dir, main)).href);
if (!programmingModel) throw new Error(`${main} set no programming model (is it a v4 Functions app?)`);

const routePrefix = routePrefixOf(readFileSync(join(dir, 'host.json'), 'utf8'));
const routes = functions
  .map((f) => {
    const trigger = Object.entries(f.metadata.bindings).find(([, b]) => b.type === 'httpTrigger');
    return (
      trigger && { ...f, triggerName: trigger[0], route: routeOf(f.metadata.name, trigger[1], routePrefix) }
    );
  })
  .filter((f) => f)
  .sort((a, b) => b.route.literals - a.route.literals);

async function runHooks(type, context) {
  for (const hook of hooks.get(type) ?? []) await hook(context);
}

/** One invocation as the worker runs it; resolves with the RPC HTTP response (or throws as it would). */
async function invoke(fn, http) {
  const invocationId = randomUUID();
  const model = programmingModel.getInvocationModel({
    invocationId,
    metadata: fn.metadata,
    request: { invocationId, inputData: [{ name: fn.triggerName, data: { http } }], triggerMetadata: {} },
    state: undefined,
    log() {},
  });
  const { context, inputs } = await model.getArguments();
  const hookData = {};
  const pre = {
    hookData,
    appHookData: {},
    invocationContext: context,
    inputs,
    functionCallback: fn.callback,
  };
  await runHooks('preInvocation', pre);
  let result;
  let error;
  try {
    result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
  } catch (e) {
    error = e;
  }
  const post = { hookData, appHookData: {}, invocationContext: context, inputs: pre.inputs, result, error };
  await runHooks('postInvocation', post);
  if (post.error) throw post.error;
  const response = await model.getResponse(context, post.result);
  return response.returnValue?.http ?? response.outputData?.find((o) => o.data?.http)?.data.http;
}

function bodyBytes(body) {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  if (body.string !== undefined) return Buffer.from(body.string);
  if (body.json !== undefined) return Buffer.from(body.json);
  return Buffer.alloc(0);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const url = new URL(req.url, `http://${req.headers.host ?? '127.0.0.1'}`);
    let params;
    const fn = routes.find((r) => (params = r.route.match(req.method, url.pathname)));
    if (!fn) return void res.writeHead(404).end();
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    try {
      const out = await invoke(fn, {
        method: req.method,
        url: url.href,
        headers,
        query: Object.fromEntries(url.searchParams),
        params,
        body: { bytes: Buffer.concat(chunks) },
      });
      const body = bodyBytes(out?.body);
      res.writeHead(Number(out?.statusCode ?? 200), { ...out?.headers, 'content-length': body.length });
      res.end(body);
    } catch (e) {
      // The host answers 500 for an invocation that failed.
      const text = JSON.stringify({ error: String(e?.message ?? e), code: 'INVOCATION_FAILED' });
      res.writeHead(500, { 'content-type': 'application/json' }).end(text);
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`,
  );
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

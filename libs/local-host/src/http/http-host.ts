import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import azf from '@azure/functions';
import type { HttpFunctionDefinition, HostLogger, InvocationHooks } from '@modelfn/functions';
import { DEFAULT_ROUTE_PREFIX } from '../host-json.js';
import { functionTimeoutOf } from '../invocation/function-timeout.js';
import { createInvoker, FunctionTimeoutError, mountFunction } from '../invocation/invoke.js';
import type { RunningSource } from '../running-source.js';
import { closeAcceptors, startAcceptors } from './acceptors.js';
import { afterReads } from './after-reads.js';
import { answerClientError } from './client-error.js';
import { CONNECTION_CAP_RETRY_AFTER_S, capConnections, tooManyConnectionsMessage } from './connection-cap.js';
import { InFlight } from './in-flight.js';
import { declaredLength, readBody } from './read-body.js';
import { RouteTable } from './route-table.js';
import { toHttpRequest } from './to-invocation.js';
import { writeHandlerResult, writeHostError } from './write-response.js';

export interface HttpHostOptions {
  /** The apps' HTTP function definitions, exactly as their entry points pass them to `app.http`. */
  functions: readonly HttpFunctionDefinition[];
  /** 0 picks a free port. Default 7071, the Functions host's local port. */
  port?: number;
  /** Default 127.0.0.1: a local host is not meant to be reachable from the network. */
  host?: string;
  /** `extensions.http.routePrefix` of the app's host.json (see routePrefixFromHostJson). Default "api". */
  routePrefix?: string;
  /** Bodies above this are refused with 413 before they are buffered. Default 100 MiB, the Functions limit. */
  maxRequestBytes?: number;
  logger?: HostLogger;
  /** Run around every invocation (logs, metrics), as `app.hook.preInvocation/postInvocation` in Azure. */
  hooks?: InvocationHooks;
  /**
   * The app's host.json, for its `functionTimeout`: an invocation past it is answered 504 with code TIMEOUT
   * (the handler is left to finish; its result is dropped). Without it, the Functions host's default.
   */
  hostJsonPath?: string;
  /**
   * Build each HttpRequest with the public constructor over an undici Request (as in
   * `new HttpRequest({method, url, headers, params, body})`) instead of over the buffered body. About 4x
   * slower per request; for checking that handlers behave the same either way.
   */
  fetchRequests?: boolean;
  /**
   * How long close() lets in-flight requests finish; those still running then get 503 `SHUTTING_DOWN`.
   * Default 5 s, so a stop fits in the 10 s a process manager gives before SIGKILL.
   */
  closeGraceMs?: number;
  /**
   * Listen with SO_REUSEPORT (Linux): each cluster worker gets a listening socket of its own and the kernel
   * spreads new connections over them. Without it node:cluster's primary accepts every connection and hands
   * it to a worker one at a time, each handoff waiting for a worker's event loop: under 1,000 busy
   * connections a new client waited 6-10 s, or for ever. Needs a fixed port (0 would give each its own).
   */
  reusePort?: boolean;
  /**
   * With reusePort: listening sockets this process opens on the port (see startAcceptors). Default 1.
   */
  acceptSockets?: number;
  /**
   * Connections this process serves at once; one more gets 503 `TOO_MANY_CONNECTIONS` with `Retry-After` and
   * is closed (see capConnections). Default: no cap.
   */
  maxConnections?: number;
}

export interface RouteInfo {
  name: string;
  methods: string[];
  /** The path a client uses, prefix included, with the template's parameters, e.g. `/v2/models/{model}`. */
  path: string;
  authLevel: string;
}

export interface RunningHttpHost extends RunningSource {
  /** Base URL, e.g. `http://127.0.0.1:7071`. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly routes: RouteInfo[];
}

// @azure/functions is a CommonJS bundle whose helpers Node's ESM loader cannot see as named exports.
const { output, trigger } = azf;

const DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024;
/** Longer than the idle timeouts of common clients and load balancers, so they never reuse a closed socket. */
const KEEP_ALIVE_MS = 65_000;
const CLOSE_GRACE_MS = 5_000;
/** Told to clients turned away while the host stops: by then another instance (or this one restarted) serves. */
const SHUTTING_DOWN_RETRY_AFTER_S = '1';

/**
 * Serves HTTP function definitions on this machine the way the Functions host would: route templates under
 * the route prefix, real HttpRequest / InvocationContext objects, the handler's response written back as is.
 */
export async function startHttpHost(options: HttpHostOptions): Promise<RunningHttpHost> {
  const logger: HostLogger = options.logger ?? pino({ name: 'local-host' });
  const routePrefix = options.routePrefix ?? DEFAULT_ROUTE_PREFIX;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const table = new RouteTable(options.functions, routePrefix);
  const mounted = new Map(
    table.routes.map((r) => {
      const { authLevel, methods, route } = r.definition.options;
      return [r, mountFunction(r.definition, trigger.http({ authLevel, methods, route }), output.http({}))];
    }),
  );
  const invoke = createInvoker({
    logger,
    hooks: options.hooks,
    functionTimeoutMs: functionTimeoutOf({ hostJsonPath: options.hostJsonPath }),
  });
  let origin = '';
  // Each request being answered, with the promise of its handling (see InFlight for why not Sets).
  const inflight = new InFlight<{ res: ServerResponse; done: Promise<void> }>();
  let stopping = false;
  const closeGraceMs = options.closeGraceMs ?? CLOSE_GRACE_MS;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (isOverCap(req.socket)) {
      req.resume();
      writeHostError(res, 503, 'TOO_MANY_CONNECTIONS', tooManyConnectionsMessage(options.maxConnections!), {
        'retry-after': String(CONNECTION_CAP_RETRY_AFTER_S),
        connection: 'close',
      });
      return;
    }
    if (stopping) {
      // A new request on a kept-alive connection after close(): turned away, with the connection, so the
      // client retries elsewhere instead of extending the drain.
      req.resume();
      writeHostError(res, 503, 'SHUTTING_DOWN', 'the host is shutting down; retry the request', {
        'retry-after': SHUTTING_DOWN_RETRY_AFTER_S,
        connection: 'close',
      });
      return;
    }
    const pathname = (req.url ?? '/').split('?', 1)[0];
    const found = table.lookup(method, pathname);
    if (found.kind !== 'found') {
      req.resume();
      if (found.kind === 'method-not-allowed') {
        writeHostError(
          res,
          405,
          'METHOD_NOT_ALLOWED',
          `${method} is not allowed on ${pathname}; use ${found.allow.join(', ')}`,
          {
            allow: found.allow.join(', '),
          },
        );
      } else {
        writeHostError(res, 404, 'ROUTE_NOT_FOUND', `no function answers ${method} ${pathname}`);
      }
      return;
    }
    const { route, params } = found;
    const body = await readBody(req, maxRequestBytes);
    if (body.kind === 'too-large') {
      const size = body.bytes === undefined ? '' : ` ${body.bytes} bytes,`;
      writeHostError(
        res,
        413,
        'PAYLOAD_TOO_LARGE',
        `the request body is${size} more than the limit of ${maxRequestBytes} bytes (MAX_REQUEST_BYTES)`,
        // Closing while the client still uploads resets the connection, and the client often loses the
        // answer with it (EPIPE in about half of 9 MiB uploads); so the rest is read and dropped unless it
        // is too large even for that.
        body.drained ? {} : { connection: 'close' },
      );
      return;
    }
    const name = route.definition.name;
    const invocationId = randomUUID();
    try {
      const request = toHttpRequest(req, body.body, params, origin, options.fetchRequests);
      const done = await invoke(mounted.get(route)!, { input: request, invocationId });
      if (!done.ok) throw done.error;
      // Already answered 503 when the shutdown grace period ran out.
      if (res.writableEnded) return;
      await afterReads();
      await writeHandlerResult(
        res,
        done.result as Parameters<typeof writeHandlerResult>[1],
        method === 'HEAD',
      );
    } catch (e) {
      logger.error({ err: e, functionName: name, invocationId }, `function ${name} failed`);
      if (res.writableEnded) return;
      if (e instanceof FunctionTimeoutError) return writeHostError(res, 504, 'TIMEOUT', e.message);
      writeHostError(
        res,
        500,
        'FUNCTION_FAILED',
        `function "${name}" failed (invocation ${invocationId}): ${(e as Error)?.message ?? String(e)}`,
      );
    }
  }

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    const done = handle(req, res).catch((e: unknown) => {
      logger.error({ err: e }, 'local HTTP host failed to answer a request');
      if (!res.writableEnded)
        writeHostError(res, 500, 'HOST_FAILED', 'the local host failed to answer this request');
    });
    const entry = inflight.add({ res, done });
    void done.finally(() => inflight.delete(entry));
  });
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  const isOverCap =
    options.maxConnections !== undefined && options.maxConnections > 0
      ? capConnections(server, options.maxConnections)
      : () => false;
  server.on('clientError', answerClientError);
  // Refuse an announced oversized upload before the client sends it (curl asks first for bodies over 1 MB).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = declaredLength(req);
    if (declared !== undefined && declared > maxRequestBytes) {
      writeHostError(
        res,
        413,
        'PAYLOAD_TOO_LARGE',
        `the request body is ${declared} bytes, more than the limit of ${maxRequestBytes} bytes (MAX_REQUEST_BYTES)`,
        {
          connection: 'close',
        },
      );
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listen = { port: options.port ?? 7071, host: options.host ?? '127.0.0.1' };
    server.listen(options.reusePort ? { ...listen, reusePort: true } : listen, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const acceptors = options.reusePort
    ? await startAcceptors(server, address.port, address.address, (options.acceptSockets ?? 1) - 1)
    : [];
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;
  const routes: RouteInfo[] = table.declared.map((r) => ({
    name: r.definition.name,
    methods: r.methods,
    path: r.path,
    authLevel: r.definition.options.authLevel ?? 'anonymous',
  }));
  logger.info({ url: origin, functions: routes.length }, 'local HTTP host listening');

  let closing: Promise<void> | undefined;
  return {
    name: 'http',
    url: origin,
    port: address.port,
    host: address.address,
    routes,
    describe: () => routes.map((r) => `${r.methods.join(',').padEnd(8)} ${origin}${r.path}`),
    close() {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await closeAcceptors(acceptors);
        // Keep-alive sockets turn idle as their last response finishes; sweep them until none is left.
        const sweep = setInterval(() => server.closeIdleConnections(), 25);
        // Past the grace period a request still running is answered 503 rather than cut without a response;
        // its invocation goes on (its own timeout ends it) but nobody waits for it.
        let graceOver = () => {};
        const overdue = new Promise<void>((resolve) => (graceOver = resolve));
        const grace = setTimeout(() => {
          for (const { res } of inflight.values())
            writeHostError(
              res,
              503,
              'SHUTTING_DOWN',
              `the host is shutting down and this request did not finish within its grace period of ${closeGraceMs} ms; retry it`,
              { 'retry-after': SHUTTING_DOWN_RETRY_AFTER_S, connection: 'close' },
            );
          setImmediate(() => {
            server.closeAllConnections();
            graceOver();
          });
        }, closeGraceMs);
        server.closeIdleConnections();
        await Promise.race([Promise.allSettled(inflight.values().map((r) => r.done)), overdue]);
        await closed;
        clearInterval(sweep);
        clearTimeout(grace);
      })();
      return closing;
    },
  };
}

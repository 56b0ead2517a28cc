import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { format } from 'node:util';
import azf from '@azure/functions';
import type {
  EffectiveFunctionOptions,
  HttpRequest,
  HttpRequestInit,
  InvocationContext,
  LogLevel,
} from '@azure/functions';
import { BufferedRequest } from './buffered-request.js';
import type { HostLogger } from './function-definition.js';
import type { MountedRoute } from './route-table.js';

// @azure/functions is a CommonJS bundle whose classes Node's ESM loader cannot see as named exports.
const { HttpRequest: HttpRequestClass, InvocationContext: InvocationContextClass, output, trigger } = azf;

const SANE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The request as the Functions worker hands it to a handler: a real `HttpRequest` with the client's URL,
 * headers, route params and body. Query parameters come from the URL, so repeated keys survive.
 * `viaFetch` builds it with the public test constructor over an undici Request instead of BufferedRequest.
 */
export function toHttpRequest(
  req: IncomingMessage,
  body: Buffer,
  params: Record<string, string>,
  fallbackOrigin: string,
  viaFetch = false,
): HttpRequest {
  const hostHeader = req.headers.host;
  const origin = hostHeader && SANE_HOST.test(hostHeader) ? `http://${hostHeader}` : fallbackOrigin;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const method = req.method ?? 'GET';
  // fetch forbids a body on GET and HEAD; HttpRequest drops it the same way.
  const withBody = method !== 'GET' && method !== 'HEAD' && body.length > 0;
  const url = new URL(req.url ?? '/', origin).href;
  if (viaFetch) {
    return new HttpRequestClass({
      method,
      url,
      headers,
      params,
      ...(withBody ? { body: { bytes: body } } : {}),
    });
  }
  const init: HttpRequestInit & { nativeRequest: BufferedRequest } = {
    params,
    nativeRequest: new BufferedRequest(url, method, headers, withBody ? body : undefined),
  };
  return new HttpRequestClass(init);
}

/** The trigger and return binding a Functions host would describe for this route (built once per route). */
export function effectiveOptions(route: MountedRoute): Partial<EffectiveFunctionOptions> {
  const { authLevel, methods, route: template } = route.definition.options;
  return {
    trigger: trigger.http({ authLevel, methods, route: template }),
    return: output.http({}),
    extraInputs: [],
    extraOutputs: [],
  };
}

const LEVELS: Record<LogLevel, keyof HostLogger> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  none: 'debug',
};

/** An InvocationContext whose `context.log/warn/error` land in the host's logger, tagged with the invocation. */
export function createInvocationContext(
  functionName: string,
  options: Partial<EffectiveFunctionOptions>,
  logger: HostLogger,
  invocationId: string = randomUUID(),
): InvocationContext {
  return new InvocationContextClass({
    invocationId,
    functionName,
    options,
    logHandler: (level, ...args) =>
      logger[LEVELS[level] ?? 'info']({ functionName, invocationId }, format(...args)),
  });
}

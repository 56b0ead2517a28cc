import cluster, { type Worker } from 'node:cluster';
import azf, { type HttpHandler, type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '@modelfn/functions';
import { registry } from '@modelfn/scoring';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';

/**
 * `GET /metrics` for the whole host when HTTP runs in cluster workers (LOCAL_HOST_WORKERS > 1).
 *
 * The workers share the port, so whichever one takes the request answers it, and its own registry counts
 * only its own requests. So that scrapers keep one URL whatever the worker count, that worker asks the
 * primary over the cluster's IPC channel; the primary collects every worker's registry and its own (its
 * scorer serves the blob and Service Bus sources) and sums them with prom-client's
 * `AggregatorRegistry.aggregate`, as `clusterMetrics()` does. `clusterMetrics()` itself (what the
 * benchmark's server uses) leaves the primary's registry out, hence these four messages instead.
 */

const ASK = 'local-metrics:ask'; // worker → primary: the host's metrics as text
const ANSWER = 'local-metrics:answer';
const COLLECT = 'local-metrics:collect'; // primary → each worker: its registry as JSON
const COLLECTED = 'local-metrics:collected';

/**
 * A worker that does not hand over its registry in time fails the scrape (503) rather than leaving its
 * counts out; the asking worker waits longer than the collection, so it reports which step failed.
 */
const COLLECT_TIMEOUT_MS = 5_000;
const ASK_TIMEOUT_MS = 8_000;

type Message = { type: string; id: number; error?: string; text?: string; metrics?: object };

/** The two ends of a cluster IPC channel: `process` in a worker, a `Worker` in the primary. */
interface Channel {
  send(message: Message, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (m: unknown) => void): unknown;
  off(event: 'message', listener: (m: unknown) => void): unknown;
}

function isMessage(m: unknown, type: string): m is Message {
  return typeof m === 'object' && m !== null && (m as Message).type === type;
}

let lastId = 0;

/** Sends `type` and resolves with the reply of `replyType` that carries the same id. */
function ask(channel: Channel, type: string, replyType: string, timeoutMs: number): Promise<Message> {
  const id = ++lastId;
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!isMessage(m, replyType) || m.id !== id) return;
      done();
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${replyType} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      channel.off('message', onMessage);
    };
    channel.on('message', onMessage);
    channel.send({ type, id }, (e) => {
      if (!e) return;
      done();
      reject(e);
    });
  });
}

/** Replies to every `type` message with what `compute` gives, or with its error. */
function answer(channel: Channel, type: string, replyType: string, compute: () => Promise<object>): void {
  channel.on('message', (m) => {
    if (!isMessage(m, type)) return;
    void compute().then(
      (r) => channel.send({ ...r, type: replyType, id: m.id }, () => undefined),
      (e: Error) => channel.send({ type: replyType, id: m.id, error: e.message }, () => undefined),
    );
  });
}

/** The primary's registry and every live worker's, summed. */
async function hostMetrics(): Promise<string> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w?.isConnected());
  const collected = await Promise.all(
    workers.map(async (w) => (await ask(w, COLLECT, COLLECTED, COLLECT_TIMEOUT_MS)).metrics ?? []),
  );
  return AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), ...collected]).metrics();
}

/** Primary: answers every worker forked from now on when it asks for the host's metrics. */
export function serveHostMetrics(): void {
  cluster.on('fork', (w: Worker) => answer(w, ASK, ANSWER, async () => ({ text: await hostMetrics() })));
}

/**
 * Worker: hands this worker's registry to the primary when it collects, and returns `functions` with the
 * app's `metrics` function answering the host's metrics. The app's own handler still runs first, so the
 * request gets its request id and is counted like any other.
 */
export function withHostMetrics(
  functions: readonly HttpFunctionDefinition[],
  log: Logger,
): HttpFunctionDefinition[] {
  const parent: Channel = {
    send: (m, callback) => process.send!(m, callback),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
  };
  answer(parent, COLLECT, COLLECTED, async () => ({ metrics: await registry.getMetricsAsJSON() }));
  if (!functions.some((f) => f.name === 'metrics')) throw new Error('the HTTP app has no "metrics" function');
  return functions.map((f) =>
    f.name === 'metrics'
      ? { ...f, options: { ...f.options, handler: hostMetricsHandler(f.options.handler, parent, log) } }
      : f,
  );
}

function hostMetricsHandler(own: HttpHandler, parent: Channel, log: Logger): HttpHandler {
  return async (request, context) => {
    const response = await own(request, context);
    if (response instanceof azf.HttpResponse || (response.status ?? 200) !== 200) return response;
    try {
      const { text } = await ask(parent, ASK, ANSWER, ASK_TIMEOUT_MS);
      return { ...response, body: text };
    } catch (e) {
      log.warn({ err: e }, 'GET /metrics: the host metrics could not be collected');
      return unavailable(response, (e as Error).message);
    }
  };
}

/** The app's error shape, `{"error", "code"}`, keeping the request id the app's handler gave. */
function unavailable(response: HttpResponseInit, reason: string): HttpResponseInit {
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  return {
    status: 503,
    headers,
    jsonBody: {
      error: `the metrics of the HTTP workers could not be collected: ${reason}`,
      code: 'UNAVAILABLE',
    },
  };
}

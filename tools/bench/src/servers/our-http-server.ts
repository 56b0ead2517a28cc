// Child process: the local host serving apps/score-http only (no Azurite, no Service Bus), settings from the
// environment (REDIS_URL and the rest set by the bench), LOCAL_HOST_WORKERS processes. Prints one JSON line
// when every worker listens: the URL, and a metrics URL that sums all workers' counters.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpWorkersFromEnv, startHttpWorkers } from '@modelfn/local-host/http';
import { AggregatorRegistry } from 'prom-client';

const workers = httpWorkersFromEnv();
const serving = !cluster.isPrimary || workers <= 1;
// Only processes that serve load the app, the models and onnxruntime: a cluster primary stays small.
const app = serving ? await import('./serve-http.js') : undefined;
if (app && cluster.isWorker) {
  // Workers answer the primary's requests for their metrics (prom-client's cluster protocol, whose worker
  // side listens once an AggregatorRegistry has been made).
  AggregatorRegistry.setRegistries([app.registry]);
  new AggregatorRegistry();
}

// Stopped while its workers still start (the cold-start rows stop it at its first answer, with the second
// worker still loading): an exit, so that startHttpWorkers ends the workers with it. Killed by the signal's
// default action instead, the primary runs no code, and a worker busy loading its modules ran on for about
// a second, into the next start the row measured.
const stopWhileStarting = () => process.exit(0);
if (cluster.isPrimary) {
  process.once('SIGTERM', stopWhileStarting);
  process.once('SIGINT', stopWhileStarting);
}

const running = await startHttpWorkers({
  workers,
  start: async (serving) => {
    if (!app) throw new Error('a cluster primary does not serve');
    const host = await app.serveHttp();
    serving();
    // The ready line (what the measuring rows wait for) comes once every model is warm, as before; the
    // cold-start row does not wait for it: it polls /score, which mnist answers while the others warm.
    await app.modelsSettled();
    return host;
  },
});

if (cluster.isPrimary) {
  let metricsUrl = `${running.url}/metrics`;
  let metricsServer: ReturnType<typeof createServer> | undefined;
  if (workers > 1) {
    // One worker's /metrics counts only its own requests; the bench reads the sum from here.
    const aggregator = new AggregatorRegistry();
    metricsServer = createServer((_req, res) => {
      aggregator.clusterMetrics().then(
        (text) => res.writeHead(200, { 'content-type': aggregator.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
    await new Promise<void>((resolve) => metricsServer!.listen(0, '127.0.0.1', resolve));
    metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`;
  }
  process.stdout.write(
    `${JSON.stringify({ ready: true, url: running.url, pid: process.pid, pids: running.pids, metricsUrl })}\n`,
  );
  const stop = async () => {
    metricsServer?.close();
    await running.close();
    await app?.closeScorer();
    process.exit(0);
  };
  process.off('SIGTERM', stopWhileStarting);
  process.off('SIGINT', stopWhileStarting);
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
} else {
  // A worker leaves when the primary tells it (startHttpWorkers); signals go to the primary.
  process.on('SIGINT', () => undefined);
}

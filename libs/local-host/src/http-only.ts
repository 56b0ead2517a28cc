// `@modelfn/local-host/http`: the HTTP host alone, for a process that serves HTTP only (the benchmark's
// local host). The package's index also loads the blob, Service Bus, Azurite and process modules, which
// such a process never runs: ~65 ms of its start under tsx (measured), on the way to its first answer.
export { startHttpHost, type RunningHttpHost } from './http/http-host.js';
export { startHttpWorkers, httpWorkersFromEnv } from './http/http-workers.js';
export { routePrefixFromHostJson } from './host-json.js';

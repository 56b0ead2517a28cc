export { startHttpHost, type HttpHostOptions, type RunningHttpHost, type RouteInfo } from './http-host.js';
export { parseRouteTemplate, type RouteTemplate } from './route-template.js';
export {
  startHttpWorkers,
  httpWorkersFromEnv,
  type HttpWorkersOptions,
  type RunningHttpWorkers,
} from './http-workers.js';

export { findFreePort, isPortOpen, waitForPort, type WaitForPortOptions } from './ports.js';
export { killOnExit, stopChild, hasExited, OutputTail } from './child-process.js';
export {
  startRedisServer,
  RedisStartError,
  type RedisServer,
  type RedisServerOptions,
} from './redis-server.js';

// Child processes for development and tests: free ports, children killed with their parent, pid files that
// outlive a killed host, redis-server. Node built-ins only, so any project's tests can use it without
// depending on the local host (and, through it, on the runtime libraries they test).
export { findFreePort, isPortOpen, waitForPort } from './ports.js';
export { killOnExit, stopChild, hasExited, OutputTail } from './child-process.js';
export { isAlive, orphanFromPidFile, readPidFile, writePidFile, type PidFileState } from './pid-file.js';
export { startRedisServer, RedisStartError, type RedisServer } from './redis-server.js';

// Public API of the local host. The invocation model is shared by every trigger source; each source lives
// in its own folder and adds one export line here.
export * from './invocation/index.js';
export * from './functions.js';
export type { RunningSource } from './running-source.js';
export * from './http/index.js';
export * from './host-json.js';
export * from './process/index.js';
export * from './blob/index.js';
export * from './azurite/index.js';
export * from './servicebus/index.js';

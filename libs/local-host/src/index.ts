// Public API of the local host. Each trigger source lives in its own folder and adds one export line here.
export * from './http/index.js';
export * from './host-json.js';
export * from './process/index.js';
export * from './blob/index.js';
export * from './azurite/index.js';
export * from './servicebus/index.js';

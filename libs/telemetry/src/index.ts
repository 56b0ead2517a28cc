export {
  startAppTelemetry,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './start-telemetry.js';
export { injectTraceContext, traceContextOf, type TraceCarrier } from './trace-context.js';
export { inIncomingSpan, tracedHandler } from './incoming-span.js';

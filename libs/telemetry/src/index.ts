export {
  startAppTelemetry,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './start-telemetry.js';
export { injectTraceContext, traceContextOf, type TraceCarrier } from './trace-context.js';
export { inIncomingSpan, type IncomingSpanOptions } from './incoming-span.js';
export { tracingOn } from './span.js';
export { inInvocationTrace } from './invocation-trace.js';
export { pinoTelemetry } from './log-bridge.js';

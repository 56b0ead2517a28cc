// main.ts imports this first, so the SDK (when APPLICATIONINSIGHTS_CONNECTION_STRING or
// OTEL_EXPORTER_OTLP_ENDPOINT asks for one) is registered before main.ts runs; in every HTTP cluster worker
// too, as each runs main.ts again. tsx does not bundle: the modules imported beside this one run while it
// awaits the SDK, and their tracers and loggers find it once it is there (see startTelemetry).
import type { RunningSource } from '@modelfn/local-host';
import { startTelemetry } from '@modelfn/telemetry';

const telemetry = await startTelemetry({ serviceName: 'modelfn-local' });

/** For the banner and the shutdown (spans and log records still buffered are sent); undefined when off. */
export const telemetrySource: RunningSource | undefined = telemetry && {
  name: 'telemetry',
  describe: () => [`OpenTelemetry spans and logs → ${telemetry.exporters.join(' and ')}`],
  close: () => telemetry.shutdown(),
};

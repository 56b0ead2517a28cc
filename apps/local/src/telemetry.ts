// main.ts imports this first, so the SDK (when APPLICATIONINSIGHTS_CONNECTION_STRING or
// OTEL_EXPORTER_OTLP_ENDPOINT asks for one) is registered before the scoring modules load; in every HTTP
// cluster worker too, as each runs main.ts again.
import type { RunningSource } from '@modelfn/local-host';
import { startTelemetry } from '@modelfn/telemetry';

const telemetry = await startTelemetry({ serviceName: 'modelfn-local' });

/** For the banner and the shutdown (spans still buffered are sent); undefined when tracing is off. */
export const telemetrySource: RunningSource | undefined = telemetry && {
  name: 'telemetry',
  describe: () => [`OpenTelemetry spans → ${telemetry.exporters.join(' and ')}`],
  close: () => telemetry.shutdown(),
};

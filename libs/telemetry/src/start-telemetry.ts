import { textSetting } from '@modelfn/settings';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentFunctions } from './functions-instrumentation.js';

type Env = Record<string, string | undefined>;

export interface TelemetryOptions {
  /** `service.name` of the spans (the OTLP path; Azure Monitor names the app from the Functions host). */
  serviceName: string;
  env?: Env;
  /** In the Functions worker (an app's main.ts): take the host's trace context per invocation. */
  functionsHost?: boolean;
  /** More span processors, tracing on even without an exporter setting (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export interface Telemetry {
  /** Where spans go: `azure-monitor`, `otlp`, or nothing but `spanProcessors`. */
  readonly exporters: readonly ('azure-monitor' | 'otlp')[];
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers an OpenTelemetry SDK when a setting asks for one: Azure Monitor (Application Insights) when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is (both
 * when both are). Otherwise nothing is loaded and `@opentelemetry/api` stays a no-op: undefined.
 * Call it before anything else is imported (each app's `telemetry.ts`), so every module finds the SDK.
 */
export async function startTelemetry(opts: TelemetryOptions): Promise<Telemetry | undefined> {
  const env = opts.env ?? process.env;
  const connectionString = textSetting(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
  const otlpEndpoint = textSetting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!connectionString && !otlpEndpoint && !opts.spanProcessors) return undefined;

  // Every SDK module is imported only now: with tracing off, none is loaded (cold start, memory).
  const [{ OTLPTraceExporter }, { BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  // OTLP/HTTP's signal path under the endpoint, as the exporter would derive it (it reads process.env only);
  // OTEL_EXPORTER_OTLP_HEADERS and the exporter's other settings are still its own.
  const url = otlpEndpoint && `${otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
  const processors = [
    ...(url ? [new BatchSpanProcessor(new OTLPTraceExporter({ url }))] : []),
    ...(opts.spanProcessors ?? []),
  ];
  let shutdown: () => Promise<void>;
  if (connectionString) {
    const { useAzureMonitor, shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
    useAzureMonitor({
      azureMonitorExporterOptions: {
        connectionString,
        credential: await entraCredential(textSetting(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING')),
      },
      spanProcessors: processors,
    });
    shutdown = shutdownAzureMonitor;
  } else {
    const [
      { NodeTracerProvider },
      { defaultResource, detectResources, envDetector, resourceFromAttributes },
    ] = await Promise.all([import('@opentelemetry/sdk-trace-node'), import('@opentelemetry/resources')]);
    const provider = new NodeTracerProvider({
      // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over the app's name.
      resource: defaultResource()
        .merge(resourceFromAttributes({ 'service.name': opts.serviceName }))
        .merge(detectResources({ detectors: [envDetector] })),
      spanProcessors: processors,
    });
    // Also the W3C trace-context propagator (traceparent/tracestate) and the async context manager.
    provider.register();
    shutdown = () => provider.shutdown();
  }
  if (opts.functionsHost) await instrumentFunctions();
  return {
    exporters: [
      ...(connectionString ? ['azure-monitor' as const] : []),
      ...(otlpEndpoint ? ['otlp' as const] : []),
    ],
    shutdown,
  };
}

/**
 * Entra-authenticated ingestion, as the Functions host reads it: `Authorization=AAD` with the user-assigned
 * identity's `ClientId=...` (infra/ sets both; the resource accepts no instrumentation-key ingestion).
 */
async function entraCredential(authentication: string | undefined) {
  if (!authentication) return undefined;
  const fields = new Map(
    authentication.split(';').map((kv) => {
      const at = kv.indexOf('=');
      return [kv.slice(0, at).trim().toLowerCase(), kv.slice(at + 1).trim()] as const;
    }),
  );
  if (fields.get('authorization')?.toLowerCase() !== 'aad') return undefined;
  const { ManagedIdentityCredential } = await import('@azure/identity');
  const clientId = fields.get('clientid');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

/**
 * An app's entry point in the Functions worker: telemetry as the settings ask, and never a reason for the
 * app not to start (a failure is written to stderr, which the host logs, and scoring goes on untraced).
 */
export async function startAppTelemetry(serviceName: string): Promise<Telemetry | undefined> {
  try {
    return await startTelemetry({ serviceName, functionsHost: true });
  } catch (e) {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'telemetry could not start; the app runs without it', serviceName, err: String(e) })}\n`,
    );
    return undefined;
  }
}

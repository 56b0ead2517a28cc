import { textSetting } from '@modelfn/settings';
import { ProxyTracerProvider, trace } from '@opentelemetry/api';
import type { LoggerProvider as LoggerProviderApi } from '@opentelemetry/api-logs';
import type { LogRecordProcessor, LoggerProvider as SdkLoggerProvider } from '@opentelemetry/sdk-logs';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentFunctions } from './functions-instrumentation.js';
import { closeLogBridge, openLogBridge } from './log-bridge.js';

type Env = Record<string, string | undefined>;

export interface TelemetryOptions {
  /** `service.name` of the spans and logs (the OTLP path; Azure Monitor names the app from the Functions host). */
  serviceName: string;
  env?: Env;
  /** In the Functions worker (an app's main.ts): take the host's trace context per invocation. */
  functionsHost?: boolean;
  /** More span processors, tracing on even without an exporter setting (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /** More log record processors, log records on even without an exporter setting (tests). */
  logRecordProcessors?: LogRecordProcessor[];
}

export interface Telemetry {
  /** Where spans and logs go: `azure-monitor`, `otlp`, or nothing but the given processors. */
  readonly exporters: readonly ('azure-monitor' | 'otlp')[];
  /** Sends what is buffered (spans and log records) and stops. */
  shutdown(): Promise<void>;
}

/** OTLP/HTTP's signal path under the endpoint, as the exporters would derive it (they read process.env only). */
const signalUrl = (endpoint: string, signal: 'traces' | 'logs') =>
  `${endpoint.replace(/\/+$/, '')}/v1/${signal}`;

/**
 * Registers an OpenTelemetry SDK, for spans and logs, when a setting asks for one: Azure Monitor (Application
 * Insights) when APPLICATIONINSIGHTS_CONNECTION_STRING is set, OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT
 * is (both when both are). Otherwise nothing is loaded and `@opentelemetry/api` stays a no-op: undefined.
 * Call it first (each app's `telemetry.ts`); tracers and pino loggers (pinoTelemetry) that modules made
 * before it find the SDK all the same. With the OTLP exporter, log records go to `<endpoint>/v1/logs`.
 */
export async function startTelemetry(opts: TelemetryOptions): Promise<Telemetry | undefined> {
  const env = opts.env ?? process.env;
  const connectionString = textSetting(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
  const otlpEndpoint = textSetting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!connectionString && !otlpEndpoint && !opts.spanProcessors && !opts.logRecordProcessors)
    return undefined;

  // Every SDK module is imported only now: with telemetry off, none is loaded (cold start, memory).
  const [{ OTLPTraceExporter }, { BatchSpanProcessor }, { logs }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/api-logs'),
  ]);
  // OTEL_EXPORTER_OTLP_HEADERS and the exporters' other settings are still their own.
  const spanProcessors = [
    ...(otlpEndpoint
      ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: signalUrl(otlpEndpoint, 'traces') }))]
      : []),
    ...(opts.spanProcessors ?? []),
  ];
  const logRecordProcessors = [
    ...(otlpEndpoint ? [await otlpLogProcessor(signalUrl(otlpEndpoint, 'logs'))] : []),
    ...(opts.logRecordProcessors ?? []),
  ];
  let loggerProvider: LoggerProviderApi | undefined;
  let shutdown: () => Promise<void>;
  if (connectionString) {
    const { useAzureMonitor, shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
    const before = trace.getTracerProvider();
    useAzureMonitor({
      azureMonitorExporterOptions: {
        connectionString,
        credential: await entraCredential(textSetting(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING')),
      },
      spanProcessors,
      // The distro's own log pipeline (to Application Insights) comes first; these add OTLP and tests'.
      logRecordProcessors,
    });
    // The distro replaces the API's proxy provider. Tracers taken from the old one (by modules loaded while
    // this awaited: unbundled, an import's siblings run meanwhile) would stay no-ops; they now delegate.
    const after = trace.getTracerProvider();
    if (before instanceof ProxyTracerProvider && before !== after) before.setDelegate(after);
    loggerProvider = logs.getLoggerProvider();
    shutdown = shutdownAzureMonitor;
  } else {
    const [
      { NodeTracerProvider },
      { defaultResource, detectResources, envDetector, resourceFromAttributes },
    ] = await Promise.all([import('@opentelemetry/sdk-trace-node'), import('@opentelemetry/resources')]);
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over the app's name.
    const resource = defaultResource()
      .merge(resourceFromAttributes({ 'service.name': opts.serviceName }))
      .merge(detectResources({ detectors: [envDetector] }));
    const tracerProvider = new NodeTracerProvider({ resource, spanProcessors });
    // Also the W3C trace-context propagator (traceparent/tracestate) and the async context manager.
    tracerProvider.register();
    let sdkLoggerProvider: SdkLoggerProvider | undefined;
    if (logRecordProcessors.length > 0) {
      const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
      sdkLoggerProvider = new LoggerProvider({ resource, processors: logRecordProcessors });
      logs.setGlobalLoggerProvider(sdkLoggerProvider);
      loggerProvider = sdkLoggerProvider;
    }
    shutdown = async () => {
      await Promise.all([tracerProvider.shutdown(), sdkLoggerProvider?.shutdown()]);
    };
  }
  openLogBridge(loggerProvider?.getLogger('@modelfn/pino'));
  if (opts.functionsHost) await instrumentFunctions(loggerProvider);
  return {
    exporters: [
      ...(connectionString ? ['azure-monitor' as const] : []),
      ...(otlpEndpoint ? ['otlp' as const] : []),
    ],
    shutdown: () => {
      closeLogBridge();
      return shutdown();
    },
  };
}

async function otlpLogProcessor(url: string): Promise<LogRecordProcessor> {
  const [{ OTLPLogExporter }, { BatchLogRecordProcessor }] = await Promise.all([
    import('@opentelemetry/exporter-logs-otlp-http'),
    import('@opentelemetry/sdk-logs'),
  ]);
  return new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url }) });
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

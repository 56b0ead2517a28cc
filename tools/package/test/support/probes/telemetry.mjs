// Invokes nothing: what the OpenTelemetry API's global registry holds once the app's main has run (the SDK
// registers its tracer provider there; the API alone registers nothing).
export async function probe() {
  const api = globalThis[Symbol.for('opentelemetry.js.api.1')];
  return {
    registered: Object.keys(api ?? {})
      .filter((k) => k !== 'version')
      .sort(),
  };
}

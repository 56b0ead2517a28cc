// main.ts imports this first. In the esbuild bundle Azure runs, modules run one after another, so this one's
// await registers the OpenTelemetry SDK (when a setting asks for one) before any other module of the app is
// evaluated; unbundled, the others run meanwhile, and their tracers and loggers find the SDK once it is there.
import { startAppTelemetry } from '@modelfn/telemetry';

await startAppTelemetry('score-queue');

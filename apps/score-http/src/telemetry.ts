// main.ts imports this first: the OpenTelemetry SDK, when a setting asks for one, is registered before any
// other module of the app is evaluated (ES modules run in import order; this one awaits the SDK).
import { startAppTelemetry } from '@modelfn/telemetry';

await startAppTelemetry('score-http');

/**
 * `npm run send -- <image.png|request.json|folder> [...] [--timeout seconds]`: publishes one scoring
 * request per file to the Service Bus request queue and prints each reply. JSON files are sent as JSON
 * bodies (`{"data": ...}` or v2 `inputs`), anything else as bytes. Connection: ServiceBusConnection, default
 * the emulator that `npm start` runs.
 */
import { serviceBusAppSettings } from '@modelfn/settings';
import { parseCli } from './cli-args.js';
import { sendRequests } from './send-requests.js';

const EMULATOR =
  'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true';

async function main(): Promise<number> {
  const args = await parseCli(
    'usage: npm run send -- <image.png|request.json|folder> [...] [--timeout <seconds>]',
    2,
  );
  if (typeof args === 'number') return args;
  const { files, timeoutMs } = args;
  const settings = serviceBusAppSettings();
  const results = await sendRequests({
    connectionString: process.env[settings.connectionSetting] || EMULATOR,
    requestQueue: settings.requestQueue,
    replyQueue: settings.replyQueue,
    files,
    timeoutMs,
    onReply: (r) => process.stdout.write(`${r.file}: ${JSON.stringify(r.reply)}\n`),
  });
  const missing = results.filter((r) => r.reply === undefined);
  if (missing.length > 0) {
    process.stderr.write(
      `no reply within ${timeoutMs / 1000} s for: ${missing.map((r) => r.file).join(', ')} (is \`npm start\` running?)\n`,
    );
    return 1;
  }
  return 0;
}

process.exitCode = await main();

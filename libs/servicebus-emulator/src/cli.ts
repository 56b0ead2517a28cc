// Runs the emulator in the foreground for local runs:
//   npx tsx libs/servicebus-emulator/src/cli.ts --port 5672 --queue scoring-requests --queue scoring-replies
import { parseArgs } from 'node:util';
import { DEFAULT_HOST, DEFAULT_PORT, startServiceBusEmulator, type QueueOptions } from './emulator.js';

const USAGE = `Usage: servicebus-emulator --queue <name> [--queue <name> ...] [options]

Options:
  --port <n>                 TCP port (default ${DEFAULT_PORT}; 0 = any free port)
  --host <addr>              interface to listen on (default ${DEFAULT_HOST})
  --queue <name>             queue to create (repeat for more; at least one)
  --max-delivery-count <n>   deliveries before dead-lettering, for every queue (default 10)
  --lock-duration-ms <n>     peek-lock duration, for every queue (default 30000)
  --max-message-size <bytes> largest message a sender may send, for every queue (default 262144:
                             Standard's 256 KB; Premium allows 1048576 to 104857600)
  --data-dir <path>          keep the queues in this folder across restarts and crashes (default: in memory)
  --quiet                    print only the connection string
  --help                     show this help`;

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${flag} needs an integer, got '${value}'.`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      queue: { type: 'string', multiple: true },
      'max-delivery-count': { type: 'string' },
      'lock-duration-ms': { type: 'string' },
      'max-message-size': { type: 'string' },
      'data-dir': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const names = values.queue ?? [];
  if (names.length === 0) throw new Error(`Name at least one queue with --queue.\n\n${USAGE}`);
  const options: QueueOptions = {
    maxDeliveryCount: integer(values['max-delivery-count'], '--max-delivery-count'),
    lockDurationMs: integer(values['lock-duration-ms'], '--lock-duration-ms'),
    maxMessageSizeBytes: integer(values['max-message-size'], '--max-message-size'),
  };
  const quiet = values.quiet;
  const emulator = await startServiceBusEmulator({
    port: integer(values.port, '--port') ?? DEFAULT_PORT,
    host: values.host ?? DEFAULT_HOST,
    queues: Object.fromEntries(names.map((n) => [n, options])),
    dataDir: values['data-dir'],
    logger: quiet ? undefined : (msg) => console.error(`[servicebus-emulator] ${msg}`),
  });
  console.log(emulator.connectionString);

  const stop = (signal: string) => {
    if (!quiet) console.error(`[servicebus-emulator] ${signal}: shutting down`);
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

// The CLI as a user runs it: a separate process that prints the connection string and exits on SIGTERM.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { receiveExactly } from './support.js';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('servicebus-emulator CLI', () => {
  it('prints a working connection string and shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [tsxCli, cli, '--port', '0', '--queue', 'cli-queue', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const connectionString = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split('\n')[0];
          if (out.includes('\n')) resolve(line.trim());
        });
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`CLI exited with ${code}: ${err}`)));
      });
      expect(connectionString).toMatch(
        /^Endpoint=sb:\/\/127\.0\.0\.1:\d+;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true$/,
      );

      const client = new ServiceBusClient(connectionString);
      try {
        await client.createSender('cli-queue').sendMessages({ body: 'via cli' });
        const receiver = client.createReceiver('cli-queue', { receiveMode: 'receiveAndDelete' });
        const [m] = await receiveExactly(receiver, 1);
        expect(m.body).toBe('via cli');
      } finally {
        await client.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

// Run in its own Node process by cbs-token.test.ts, with NODE_EXTRA_CA_CERTS naming the test's throwaway
// certificate: the Service Bus SDK with a TokenCredential always speaks AMQP over TLS, so the emulator
// (plain AMQP) is reached through a TLS terminator here. argv: cert.pem key.pem.
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ServiceBusClient, ServiceBusError } from '@azure/service-bus';
import { serviceBusConnection, type TokenCredential } from '@modelfn/identity';
import { SignedTokenCredential } from '@modelfn/identity/testing';
import { startServiceBusEmulator } from '../src/index.js';

const [certPath, keyPath] = process.argv.slice(2);
const signer = new SignedTokenCredential();
const emulator = await startServiceBusEmulator({
  port: 0,
  queues: ['tokens'],
  tokens: { publicKeys: [signer.publicKey], issuerPrefix: signer.issuer },
});
const tls = createTlsServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (socket) => {
  const upstream = connect(emulator.port, '127.0.0.1');
  socket.pipe(upstream).pipe(socket);
  socket.on('error', () => upstream.destroy());
  upstream.on('error', () => socket.destroy());
});
await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
const tlsPort = (tls.address() as AddressInfo).port;

const report: Record<string, unknown> = {};
const scope = (scopes: string | string[]) =>
  String(Array.isArray(scopes) ? scopes[0] : scopes).replace(/\/\.default$/, '');

async function attempt(name: string, credential: TokenCredential): Promise<void> {
  // What apps/score-servicebus does with ServiceBusConnection__fullyQualifiedNamespace, plus the endpoint.
  const connection = serviceBusConnection(
    { ServiceBusConnection__fullyQualifiedNamespace: '127.0.0.1' },
    'ServiceBusConnection',
    credential,
  );
  if (connection?.kind !== 'identity') throw new Error('expected an identity-based connection');
  const client = new ServiceBusClient(connection.fullyQualifiedNamespace, connection.credential, {
    customEndpointAddress: `sb://127.0.0.1:${tlsPort}`,
    retryOptions: { maxRetries: 0, timeoutInMs: 10_000 },
  });
  try {
    const sender = client.createSender('tokens');
    await sender.sendMessages({ body: name });
    const receiver = client.createReceiver('tokens');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await receiver.completeMessage(message);
    report[name] = { ok: true, body: message?.body };
  } catch (e) {
    const err = e as Error;
    report[name] = {
      ok: false,
      serviceBusError: e instanceof ServiceBusError,
      code: (e as ServiceBusError).code,
      message: err.message,
    };
  } finally {
    await client.close();
  }
}

await attempt('valid', signer);
report.scopes = signer.issued.map((t) => t.scopes);
await attempt('expired', { getToken: async (s) => signer.sign(scope(s), -60_000) });
await attempt('otherKey', new SignedTokenCredential({ tenantId: signer.tenantId, oid: signer.oid }));
await attempt('otherAudience', { getToken: async () => signer.sign('https://storage.azure.com') });
await attempt('notYetValid', {
  getToken: async (s) => signer.sign(scope(s), 3_600_000, { nbf: Math.floor(Date.now() / 1000) + 600 }),
});
report.depth = emulator.queueDepth('tokens');
tls.close();
await emulator.close();
process.stdout.write(JSON.stringify(report));

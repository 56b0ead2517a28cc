import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A self-signed certificate for 127.0.0.1, valid one day, written to `dir` as cert.pem / key.pem with
 * openssl: bearer tokens go only over TLS (Azurite refuses them over HTTP; the Service Bus SDK with a
 * credential speaks only AMQP over TLS).
 */
export function throwawayCertificate(dir: string): { certPath: string; keyPath: string } {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { certPath, keyPath };
}

/**
 * Runs a TypeScript file in a new Node process that trusts `certPath` (NODE_EXTRA_CA_CERTS, which Node
 * reads only at start; `tls.setDefaultCACertificates` needs Node 22) and returns what it printed.
 */
export function runTrusting(certPath: string, script: string, args: string[], cwd: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath, NODE_NO_WARNINGS: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
}
